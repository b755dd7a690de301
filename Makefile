# rrkit: plain GNU make.
#   make                 build libraries and tools into build/ (or build-san/ with SANITIZE=1)
#   make check           build and run every unit and end-to-end test
#   make guest-tests     build the bare-metal riscv64 test programs (build/guest/)
#   make fuzz            build and run the fuzzers (log reader, snapshots, config, gdb
#                        packets, then fuzz-more: QEMU logs, text form, ELF, bundles,
#                        virtio descriptor chains)
#                        for FUZZ_SECONDS each
#   make determinism     replays by clang -O0 and gcc+sanitizer builds (scripts/)
#   make determinism-matrix  gcc/clang x -O0/-O2 x sanitizers, each build's recordings
#                        replayed by all the others (slow)
#   make valgrind-check  the tools' tests under valgrind memcheck (slow)
#   make guest-images    build Linux, busybox, initramfs and disk image (cached in cache/)
#   make install PREFIX=/usr/local [LIBDIR=...] [DESTDIR=...]
#   make check-pkg       build the Debian packages (debian/) and test them installed
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
VERSION := 0.1.0
CC      ?= cc
SANITIZE ?=
# Debian 12's libfdt ships no .pc file and slirp's .pc wants glib's: name those directly.
pc = $(shell pkg-config $(1) $(2) 2>/dev/null || echo $(3))
PKG_CFLAGS := $(call pc,--cflags,libzstd,) $(call pc,--cflags,libarchive,)
PKG_LIBS   := $(call pc,--libs,libzstd,-lzstd) $(call pc,--libs,libarchive,-larchive) -lfdt -lslirp \
              -lreadline -lpthread -lm
CHECK_LIBS := $(call pc,--libs,check,-lcheck)

ifeq ($(SANITIZE),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B := build
SANFLAGS :=
endif

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -fPIC $(SANFLAGS)
CPPFLAGS += -Ilib -DRRKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

RRLOG_SRC := $(wildcard lib/rrlog/*.c)
EMU_SRC   := $(wildcard lib/emu/*.c)
HOST_SRC  := $(wildcard lib/host/*.c)
REPLAY_SRC := $(wildcard lib/replay/*.c)
RRLOG_OBJ := $(RRLOG_SRC:%.c=$(B)/%.o)
EMU_OBJ   := $(EMU_SRC:%.c=$(B)/%.o)
HOST_OBJ  := $(HOST_SRC:%.c=$(B)/%.o)
REPLAY_OBJ := $(REPLAY_SRC:%.c=$(B)/%.o)
# bin -> lib/replay -> lib/emu, lib/host, lib/rrlog (DESIGN.md "Layout")
LIBS_REPLAY := $(B)/libreplay.a $(B)/libhost.a $(B)/libemu.a $(B)/librrlog.a
TOOLS     := rr-run rr-dump rr-diff rr-cut rr-merge
TOOL_BINS := $(foreach t,$(TOOLS),$(if $(wildcard bin/$(t)/*.c),$(B)/$(t)))
CHECKS    := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/check_*.c))
TEST_TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))

all: $(B)/librrlog.a $(B)/librrlog.so $(B)/libemu.a $(B)/libhost.a $(B)/libreplay.a $(TOOL_BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(B)/librrlog.a: $(RRLOG_OBJ)
	@mkdir -p $(B); rm -f $@; ar rcs $@ $^
# The shared library exports rrlog_* only (lib/rrlog/rrlog.map): the ABI is rrlog.h,
# listed in debian/librrlog0.symbols.
$(B)/librrlog.so: $(RRLOG_OBJ) lib/rrlog/rrlog.map
	$(CC) -shared -Wl,-soname,librrlog.so.0 -Wl,--version-script=lib/rrlog/rrlog.map $(LDFLAGS) \
	    -o $@ $(RRLOG_OBJ) $(call pc,--libs,libzstd,-lzstd)
$(B)/libemu.a: $(EMU_OBJ)
	@mkdir -p $(B); rm -f $@; ar rcs $@ $^
$(B)/libhost.a: $(HOST_OBJ)
	@mkdir -p $(B); rm -f $@; ar rcs $@ $^
$(B)/libreplay.a: $(REPLAY_OBJ)
	@mkdir -p $(B); rm -f $@; ar rcs $@ $^

# Every tool links lib/replay and what it stands on (a tool that needs only the log
# uses just librrlog's symbols from it).
define tool_rule
$(B)/$(1): $(patsubst %.c,$(B)/%.o,$(wildcard bin/$(1)/*.c)) $(LIBS_REPLAY)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))
# rr-dump --plot draws with cairo (bin/rr-dump/plot.c; fontconfig to free its caches
# at exit); no other tool links them.
$(B)/bin/rr-dump/plot.o: CPPFLAGS += $(call pc,--cflags,cairo,) $(call pc,--cflags,fontconfig,)
$(B)/rr-dump: PKG_LIBS += $(call pc,--libs,cairo,-lcairo) $(call pc,--libs,fontconfig,-lfontconfig)

$(B)/tests/check_%: tests/check_%.c $(LIBS_REPLAY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(CHECK_LIBS) $(PKG_LIBS)

$(B)/tests/tools/%: tests/tools/%.c $(LIBS_REPLAY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(PKG_LIBS)

guest-tests:
	$(MAKE) -C tests/guest OUT=$(CURDIR)/build/guest

check: all $(CHECKS) $(TEST_TOOLS) guest-tests
	@BUILD=$(CURDIR)/$(B) sh tests/run-tests.sh $(CHECKS)

# The slow end-to-end tests: Linux guests on rr-run and QEMU (images cached in cache/).
check-slow: all $(TEST_TOOLS) guest-images
	@BUILD=$(CURDIR)/$(B) SLOW=only sh tests/run-tests.sh

demo: all
	sh scripts/demo.sh

FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -Ilib $(PKG_CFLAGS) -DRRKIT_VERSION='"$(VERSION)"' -MMD -MP
# Each library source is compiled once for all the fuzz targets (build/fuzz/obj/).
# The hart's interpreter (hart.c) takes clang minutes at -O1 under these sanitizers
# (10 min with all three, 2 even at plain -O2, on the CI machine): in the fuzz builds
# it is compiled at -O0 with ASan only, without coverage (the fuzzers aim at what
# parses input; the hart is covered by the difftests and the sanitizer build).
FUZZ_LINK := clang -g -fsanitize=fuzzer $(FUZZ_SAN)
fuzz_obj = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
build/fuzz/obj/lib/emu/hart.o: lib/emu/hart.c
	@mkdir -p $(dir $@)
	clang -g -O0 -fsanitize=address -Ilib -MMD -MP -c $< -o $@
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
# fuzz_target NAME SOURCES LIBS: link build/fuzz/NAME from tests/fuzz/NAME.c and the
# objects of SOURCES (the target's make rule lists them as prerequisites).
define fuzz_target
build/fuzz/$(1): tests/fuzz/$(1).c $(call fuzz_obj,$(2))
	@mkdir -p build/fuzz
	$$(FUZZ_LINK) $$(filter-out -MMD -MP,$$(FUZZ_CFLAGS:-fsanitize=fuzzer-no-link=)) -o $$@ $$^ $(3)
endef
ZSTD_LIBS = $(call pc,--libs,libzstd,-lzstd)
ARCHIVE_LIBS = $(call pc,--libs,libarchive,-larchive)
$(eval $(call fuzz_target,fuzz_reader,$(RRLOG_SRC),$(ZSTD_LIBS)))
$(eval $(call fuzz_target,fuzz_snapshot,$(EMU_SRC),-lfdt -lpthread -lm))
$(eval $(call fuzz_target,fuzz_config,lib/replay/config.c $(RRLOG_SRC),$(ZSTD_LIBS)))
$(eval $(call fuzz_target,fuzz_gdb,$(REPLAY_SRC) $(EMU_SRC) $(RRLOG_SRC),$(ZSTD_LIBS) $(ARCHIVE_LIBS) -lfdt -lpthread -lm))
$(eval $(call fuzz_target,fuzz_monitor,$(REPLAY_SRC) $(EMU_SRC) $(RRLOG_SRC),$(ZSTD_LIBS) $(ARCHIVE_LIBS) -lfdt -lpthread -lm))
$(eval $(call fuzz_target,fuzz_qemu,$(RRLOG_SRC),$(ZSTD_LIBS)))
$(eval $(call fuzz_target,fuzz_text,$(RRLOG_SRC),$(ZSTD_LIBS)))
$(eval $(call fuzz_target,fuzz_elf,lib/emu/loader.c lib/emu/physmem.c,))
$(eval $(call fuzz_target,fuzz_bundle,lib/replay/bundle.c $(RRLOG_SRC),$(ARCHIVE_LIBS) $(ZSTD_LIBS)))
$(eval $(call fuzz_target,fuzz_virtio,$(filter lib/emu/virtio%.c,$(EMU_SRC)) lib/emu/disk.c lib/emu/physmem.c,-lpthread))
# run_fuzzer NAME MAXLEN CORPUS...: the fuzzer's output goes to a file, not through a
# pipe, so that its exit status (a crash, a leak, a timeout) is the target's; crash
# inputs land in build/fuzz/; new inputs go to the first corpus directory
# (build/fuzz/NAME-out), not to the kept one.
define run_fuzzer
	@mkdir -p build/fuzz/$(1)-out
	@build/fuzz/$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=$(2) -artifact_prefix=build/fuzz/$(1)- \
	    build/fuzz/$(1)-out $(3) >build/fuzz/$(1).log 2>&1; st=$$?; \
	if [ $$st -eq 0 ]; then echo "fuzz $(1): $$(grep -m1 "^Done" build/fuzz/$(1).log)"; else \
	    grep -m 3 -e '^==[0-9]*==ERROR' -e 'runtime error' -e 'SUMMARY' build/fuzz/$(1).log; tail -5 build/fuzz/$(1).log; \
	    echo "fuzz: $(1) failed (exit $$st); full output in build/fuzz/$(1).log"; exit 1; fi
endef
fuzz: all guest-tests build/fuzz/fuzz_reader build/fuzz/fuzz_snapshot build/fuzz/fuzz_config \
	    build/fuzz/fuzz_gdb build/fuzz/fuzz_monitor
	@mkdir -p build/fuzz/snapshot-seed
	$(call run_fuzzer,fuzz_reader,65536,tests/fuzz/corpus)
	@FUZZ_SEED_OUT=build/fuzz/snapshot-seed build/fuzz/fuzz_snapshot -runs=0 >/dev/null 2>&1
	$(call run_fuzzer,fuzz_snapshot,262144,build/fuzz/snapshot-seed)
	$(call run_fuzzer,fuzz_config,4096,tests/fuzz/corpus-config)
	@$(B)/rr-run -q -w build/fuzz/gdb-seed.rr --snapshot-every 2000 --bios none build/guest/hello.elf >/dev/null
	$(call run_fuzzer,fuzz_gdb,20000,tests/fuzz/corpus-gdb)
	$(call run_fuzzer,fuzz_monitor,4096,tests/fuzz/corpus-monitor)
	$(MAKE) fuzz-more
# The reliability fuzzers: QEMU logs, the text form, ELF images, bundles, virtio
# descriptor chains; each for FUZZ_SECONDS, with a kept corpus.
fuzz-more: build/fuzz/fuzz_qemu build/fuzz/fuzz_text build/fuzz/fuzz_elf build/fuzz/fuzz_bundle \
	    build/fuzz/fuzz_virtio
	@mkdir -p build/fuzz/virtio-seed
	@FUZZ_SEED_OUT=build/fuzz/virtio-seed build/fuzz/fuzz_virtio -runs=0 >/dev/null 2>&1
	$(call run_fuzzer,fuzz_qemu,65536,tests/fuzz/corpus-qemu)
	$(call run_fuzzer,fuzz_text,16384,tests/fuzz/corpus-text)
	$(call run_fuzzer,fuzz_elf,65536,tests/fuzz/corpus-elf)
	$(call run_fuzzer,fuzz_bundle,65536,tests/fuzz/corpus-bundle)
	$(call run_fuzzer,fuzz_virtio,4096,tests/fuzz/corpus-virtio build/fuzz/virtio-seed)

# Reliability (RELIABILITY.md): the recordings replayed by builds with other
# compilers, -O levels and sanitizers (a short set; the script's default is longer);
# the tools' tests under valgrind memcheck (slow: a CI job of its own).
DET_VARIANTS ?= clang-O0 gcc-O2-san
determinism: all guest-tests
	sh scripts/determinism-soak.sh $(DET_VARIANTS)
# The full matrix (scripts/determinism-matrix.sh): gcc and clang, -O0 and -O2, with
# and without sanitizers; a 2-hart bare-metal recording made by every build and the
# Linux demo on 1 and 2 harts made by MATRIX_RECORDERS, each replayed by every build.
# MATRIX_VARIANTS=... for fewer builds, MATRIX_LINUX=0 without the Linux recordings.
MATRIX_VARIANTS ?=
determinism-matrix: all guest-tests
	sh scripts/determinism-matrix.sh $(MATRIX_VARIANTS)
valgrind-check: all $(TEST_TOOLS) guest-tests
	sh scripts/valgrind-tests.sh

guest-images:
	sh scripts/build-guest.sh

# Benchmarks (not tests): results go into BENCHMARKS.md with the commands.
bench: all guest-tests
	sh bench/rrlog-bench.sh
	sh bench/mips.sh

# Installs the tools, man pages, bash completions (bash-completion's layout: one
# name per command), librrlog (shared, static, header, rrlog.pc) and the example.
# LIBDIR: e.g. /usr/lib/x86_64-linux-gnu for Debian (debian/rules).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR  ?= $(PREFIX)/share/doc/rrkit
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/rrlog \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/librrlog.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(B)/librrlog.so $(DESTDIR)$(LIBDIR)/librrlog.so.$(VERSION)
	ln -sf librrlog.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librrlog.so.0
	ln -sf librrlog.so.0 $(DESTDIR)$(LIBDIR)/librrlog.so
	install -m 644 lib/rrlog/rrlog.h $(DESTDIR)$(PREFIX)/include/rrlog/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    lib/rrlog/rrlog.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/rrlog.pc
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 completions/rrkit $(DESTDIR)$(BASHCOMPDIR)/rr-run
	for t in $(filter-out rr-run,$(TOOLS)); do ln -sf rr-run $(DESTDIR)$(BASHCOMPDIR)/$$t; done
	install -m 644 examples/rrlog-kinds.c examples/Makefile $(DESTDIR)$(DOCDIR)/examples/

# The Debian packages, built from a copy of the tree (so that the .debs land in
# build/pkg/, not beside the worktree) and tested installed (tests/pkg/deb.sh).
check-pkg: all guest-tests
	@BUILD=$(CURDIR)/$(B) TOP=$(CURDIR) sh tests/pkg/deb.sh

clean:
	rm -rf build build-san build-det

.PHONY: all check check-slow check-pkg demo bench guest-tests fuzz fuzz-more determinism determinism-matrix valgrind-check \
	guest-images install clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
