# edge-agent: C11 daemon. `make` builds, `make test` runs every test, `make demo` shows it.
CC      ?= cc
# pkg-config name:Debian package, for every library the build needs
PKG_DEBS := libmosquitto:libmosquitto-dev libnftables:libnftables-dev libmnl:libmnl-dev \
            json-c:libjson-c-dev yaml-0.1:libyaml-dev libcurl:libcurl4-openssl-dev \
            libcrypto:libssl-dev
PKGS    := $(foreach p,$(PKG_DEBS),$(firstword $(subst :, ,$(p))))
# the one version of the agent, edgectl, their status and the package
VERSION := $(shell cat VERSION 2>/dev/null)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
           -D_GNU_SOURCE -MMD -MP -DEDGE_VERSION='"$(VERSION)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl: headers only; agent/join_curl.c loads it while a join runs (see there)
LDLIBS  += $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null)
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
CTL_SRCS := $(wildcard edgectl/*.c)
CTL_O    := $(filter-out $(B)/ctl/main.o,$(CTL_SRCS:edgectl/%.c=$(B)/ctl/%.o))

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCTLDIR ?= $(PREFIX)/lib/sysctl.d
SHAREDIR ?= $(PREFIX)/share/edge-agent

all: $(B)/edge-agent $(B)/edgectl

# A missing -dev package is named as such, before any compiler error about a header.
pkgcheck:
	@command -v pkg-config >/dev/null || { echo "make: pkg-config is missing" \
		"(Debian: apt-get install --no-install-recommends pkg-config, or make deps)" >&2; exit 1; }
	@missing=""; for p in $(PKG_DEBS); do pkg-config --exists "$${p%%:*}" || \
		missing="$$missing $${p#*:}"; done; [ -z "$$missing" ] || { \
		echo "make: development packages missing:$$missing" >&2; \
		echo "  Debian: apt-get install --no-install-recommends$$missing (or: make deps)" >&2; \
		exit 1; }
	@[ -n "$(VERSION)" ] || { echo "make: the VERSION file is missing or empty" >&2; exit 1; }

$(B)/agent/%.o: agent/%.c VERSION | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libedge.a: $(CORE_O)
	rm -f $@; $(AR) rcs $@ $^

$(B)/edge-agent: $(B)/agent/main.o $(B)/libedge.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# edgectl: the operator's CLI, sharing the agent's validation and configuration (libedge.a)
$(B)/ctl/%.o: edgectl/%.c VERSION | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iagent -c -o $@ $<

$(B)/libedgectl.a: $(CTL_O)
	rm -f $@; $(AR) rcs $@ $^

$(B)/edgectl: $(B)/ctl/main.o $(B)/libedgectl.a $(B)/libedge.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(filter $(B)/tests/test_edgectl%,$(UNIT_BIN)): $(B)/tests/%: tests/unit/%.c $(B)/libedgectl.a $(B)/libedge.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iagent -Iedgectl -Itests/lib $(LDFLAGS) -o $@ $< $(B)/libedgectl.a \
		$(B)/libedge.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libedge.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iagent -Itests/lib $(LDFLAGS) -o $@ $< $(B)/libedge.a $(LDLIBS)

$(B)/mqtt_bulk: tests/tools/mqtt_bulk.c | pkgcheck
	@mkdir -p $(dir $@)
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

# ~10 minutes: writes bench/RESULTS.md and bench/*.png (bench/run.sh --smoke: a quick check),
# then its "Fleet" section: 200 agents behind two bridged regional brokers (bench/fleet.sh)
bench: deps all
	bash bench/run.sh
	bash bench/fleet.sh

bench-fleet: deps all
	bash bench/fleet.sh

clean:
	rm -rf $(B) build-asan build-fuzz

# Both programs, the systemd unit (ExecStart follows BINDIR), the sysctl it relies on,
# and examples: the environment file and the broker configuration. Installed for real
# (no DESTDIR, as root): the edge-agent user the unit runs as, owning /etc/traefik/dynamic.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCTLDIR) \
		$(DESTDIR)$(SHAREDIR)/broker-config
	install -m 755 $(B)/edge-agent $(B)/edgectl $(DESTDIR)$(BINDIR)/
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/edge-agent/|$(SHAREDIR)/|g' \
		deploy/edge-agent.service > $(DESTDIR)$(UNITDIR)/edge-agent.service
	chmod 644 $(DESTDIR)$(UNITDIR)/edge-agent.service
	install -m 644 deploy/sysctl.conf $(DESTDIR)$(SYSCTLDIR)/50-edge-agent.conf
	install -m 644 deploy/edge-agent.env.example deploy/README.md $(DESTDIR)$(SHAREDIR)/
	install -m 755 deploy/edge-agent-user.sh $(DESTDIR)$(SHAREDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		echo "creating the edge-agent user, giving it /etc/traefik/dynamic"; \
		sh deploy/edge-agent-user.sh; fi
	find broker-config -type f ! -name '.*' | while read -r f; do \
		case "$$f" in *.sh) m=755 ;; *) m=644 ;; esac; \
		install -D -m $$m "$$f" "$(DESTDIR)$(SHAREDIR)/$$f" || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/edge-agent $(DESTDIR)$(BINDIR)/edgectl \
		$(DESTDIR)$(UNITDIR)/edge-agent.service $(DESTDIR)$(SYSCTLDIR)/50-edge-agent.conf
	rm -rf $(DESTDIR)$(SHAREDIR)

# A Debian package of what `install` installs (deploy/make-deb.sh; deploy/README.md)
deb: all
	bash deploy/make-deb.sh $(B)

.PHONY: all unit deps test demo bench bench-fleet clean install uninstall soak deb pkgcheck
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# libFuzzer harnesses (clang, ASan + UBSan): build-fuzz/fuzz_<name>, each linked against
# one instrumented build of the core library (build-fuzz/libedge.a)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_FLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -DEDGE_VERSION='"$(VERSION)"' \
              -fsanitize=address,undefined $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_O   := $(CORE:agent/%.c=build-fuzz/agent/%.o)
build-fuzz/agent/%.o: agent/%.c VERSION | pkgcheck
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
build-fuzz/libedge.a: $(FUZZ_O)
	rm -f $@; $(AR) rcs $@ $^
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libedge.a
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer -Iagent -o $@ $< build-fuzz/libedge.a $(LDLIBS)
fuzz: $(FUZZ_BIN)
.PHONY: fuzz
-include $(shell find build-fuzz -name '*.d' 2>/dev/null)
