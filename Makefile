# edge-agent: C11 daemon. `make` builds, `make test` runs every test, `make demo` shows it.
CC      ?= cc
PKGS    := libmosquitto libnftables libmnl json-c yaml-0.1 libcurl libcrypto
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
           -D_GNU_SOURCE -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifdef WERROR
CFLAGS  += -Werror
endif
ifdef SANITIZE
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

B        := build
SRCS     := $(wildcard agent/*.c)
MAIN     := agent/main.c
CORE     := $(filter-out $(MAIN),$(SRCS))
CORE_O   := $(CORE:agent/%.c=$(B)/agent/%.o)
UNIT     := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT:tests/unit/%.c=$(B)/tests/%)

PREFIX  ?= /usr/local

all: $(B)/edge-agent

$(B)/agent/%.o: agent/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libedge.a: $(CORE_O)
	$(AR) rcs $@ $^

$(B)/edge-agent: $(B)/agent/main.o $(B)/libedge.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libedge.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iagent -Itests/lib $(LDFLAGS) -o $@ $< $(B)/libedge.a $(LDLIBS)

$(B)/mqtt_bulk: tests/tools/mqtt_bulk.c
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

unit: $(UNIT_BIN) $(B)/mqtt_bulk

deps:
	bash tests/install-deps.sh

test: deps
	$(MAKE) all unit
	bash tests/run.sh

# the long soak (CI runs tests/integration/soak.sh for 10 s inside `make test`)
soak: deps all unit
	SOAK_SECONDS=60 bash tests/integration/soak.sh

demo: deps all
	bash tests/demo.sh

# ~10 minutes: writes bench/RESULTS.md and bench/*.png (bench/run.sh --smoke: a quick check)
bench: deps all
	bash bench/run.sh

clean:
	rm -rf $(B) build-asan build-fuzz

.PHONY: all unit deps test demo bench clean soak
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# libFuzzer harnesses (clang, ASan + UBSan): build-fuzz/fuzz_<name>
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -Iagent -o $@ $< $(CORE) $(LDLIBS)
fuzz: $(FUZZ_BIN)
.PHONY: fuzz
