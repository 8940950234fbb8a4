# SPDX-License-Identifier: GPL-2.0
#
# tpmmux top-level Makefile.
#
#   make            build tpmmux/tpmmux.ko and tools/vtpmctl/vtpmctl
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, show tpmmux in the test VM
#   make bench      benchmarks in the test VM; figures also in bench.json
#   make fuzz       long fuzz run of the parsers (FUZZ_SECONDS, default 600)
#   make install    install the module and vtpmctl on this host
#   make clean
#
# KDIR is the kernel build directory the module is built against.  By
# default it is the running kernel's, when that exists, else the newest
# installed /lib/modules/*/build (the test VM boots that kernel).

KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -d "$$d" ]; then echo "$$d"; \
	else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1; fi)
# The release the module is built for: X of /lib/modules/X/build, else the
# tree's own kernel.release.
KVER ?= $(if $(filter /lib/modules/%/build,$(KDIR)),$(notdir $(patsubst \
	%/build,%,$(KDIR))),$(shell cat $(KDIR)/include/config/kernel.release))
PREFIX ?= /usr/local
DESTDIR ?=

# The module is always built with W=1: extra warnings are defects here.
W ?= 1

Q ?= @

.PHONY: all module tools deps check demo bench fuzz install \
	uninstall clean

all: module tools

module:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "No kernel build directory: install linux-headers-amd64 or give KDIR=" >&2; \
		exit 1; fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

tools:
	$(MAKE) -C tools/vtpmctl
	$(MAKE) -C tools/tpm-latency-proxy
	$(MAKE) -C tools/tpmmux-load

deps:
	$(Q)tools/install-deps

# Every test, under one prove run whose summary line ends the output.
check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory -C selftests/unit
	$(Q)selftests/run-all

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/vm/run --tpm crb -- tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)selftests/bench/run

fuzz: deps
	$(Q)$(MAKE) --no-print-directory -C selftests/fuzz long

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	install -D -m 0755 tools/vtpmctl/vtpmctl $(DESTDIR)$(PREFIX)/sbin/vtpmctl
	install -D -m 0644 tools/vtpmctl/vtpmctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/vtpmctl.8
	install -D -m 0644 include/uapi/linux/tpmmux.h $(DESTDIR)$(PREFIX)/include/linux/tpmmux.h
	depmod -a $(KVER)

uninstall:
	rm -f /lib/modules/$(KVER)/extra/tpmmux.ko
	rm -f $(DESTDIR)$(PREFIX)/sbin/vtpmctl $(DESTDIR)$(PREFIX)/share/man/man8/vtpmctl.8
	rm -f $(DESTDIR)$(PREFIX)/include/linux/tpmmux.h
	depmod -a $(KVER)

print-%:
	@echo '$($*)'

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/vtpmctl clean
	-$(MAKE) -C tools/tpm-latency-proxy clean
	-$(MAKE) -C tools/tpmmux-load clean
	-$(MAKE) -C selftests/unit clean
	-$(MAKE) -C selftests/fuzz clean
	-$(MAKE) -C selftests/vm/warnmod clean
