# Wraps meson: `make` builds build/wgpolicy, `make check` runs every test.
# Both install missing Debian build dependencies first (scripts/install-deps).

BUILD ?= build
MESON_OPTS ?=
SANITIZE ?=
ifneq ($(SANITIZE),)
MESON_OPTS += -Db_sanitize=address,undefined -Db_lundef=false
endif
FUZZ_SECONDS ?= 60

.PHONY: all deps check demo fuzz bench clean

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps all

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

check: all
	scripts/run-tests $(BUILD)

demo: all
	scripts/demo $(BUILD)

fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-fuzz
	tests/fuzz/run build-fuzz $(FUZZ_SECONDS)

bench: all
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) build-fuzz
