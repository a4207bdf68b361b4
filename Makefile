# SPDX-License-Identifier: ISC
# ockam-c: one make builds everything.  See README.md.
#
#	make			build the daemons, ockamctl and examples in build/
#	make regress		build with ASan+UBSan and the regress hooks in
#				build-regress/, then run every test
#	make demo		run the many-hops guide end to end
#	make bench		benchmarks (see regress/bench)
#	make install		install (PREFIX, DESTDIR, SBINDIR, BINDIR,
#				LIBEXECDIR, MANDIR, SYSCONFDIR, SYSTEMDDIR)
#	make uninstall		remove what install put there

BUILD	?= build

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
LIBEXECDIR	?= $(PREFIX)/libexec/ockam
MANDIR		?= $(PREFIX)/share/man
# /usr's configuration lives in /etc, as Debian's policy has it.
SYSCONFDIR	?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDDIR	?= $(PREFIX)/lib/systemd/system
INSTALL		?= install
CC	?= cc
ifeq ($(origin YACC),default)
YACC	 = bison -y
endif
PKGS	 = libsodium libbsd-overlay libseccomp

PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
	   -Wformat=2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -Ilib $(PKG_CFLAGS)
LDFLAGS	+= -Wl,-z,relro,-z,now
LDLIBS	+= $(PKG_LIBS)

ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined -DOCKAM_SANITIZE -U_FORTIFY_SOURCE
LDFLAGS	+= -fsanitize=address,undefined
endif
ifeq ($(REGRESS),1)
CFLAGS	+= -DOCKAM_REGRESS
endif
# For valgrind only: it cannot run under a seccomp filter.
ifeq ($(NOSANDBOX),1)
CFLAGS	+= -DOCKAM_NO_SANDBOX
endif

LIB_SRCS	= lib/buf.c lib/route.c lib/wire.c lib/multiaddr.c lib/log.c \
		  lib/imsg.c lib/sandbox.c lib/privsep.c lib/child.c \
		  lib/client.c \
		  lib/util.c lib/replay.c lib/noise.c lib/landlock.c \
		  lib/recent.c lib/limit.c lib/portal.c lib/version.c \
		  lib/streamname.c lib/stream.c lib/aead.c
ROUTED_SRCS	= ockam-routed/routed.c ockam-routed/config.c \
		  ockam-routed/confstmt.c ockam-routed/confcheck.c \
		  ockam-routed/streamredis.c \
		  ockam-routed/confsclient.c ockam-routed/streamclient.c \
		  ockam-routed/sclientctl.c \
		  ockam-routed/control.c ockam-routed/ctlpeer.c \
		  ockam-routed/nodectl.c \
		  ockam-routed/router.c \
		  ockam-routed/workers.c ockam-routed/hub.c \
		  ockam-routed/relayc.c ockam-routed/relayctl.c \
		  ockam-routed/notify.c ockam-routed/paths.c \
		  ockam-routed/tcpcut.c ockam-routed/tcpbind.c \
		  ockam-routed/tcpconn.c ockam-routed/portalctl.c \
		  ockam-routed/reload.c ockam-routed/reloaddiff.c \
		  ockam-routed/reloadapply.c ockam-routed/reloadportal.c \
		  ockam-routed/tcpreload.c ockam-routed/relayreload.c \
		  ockam-routed/stream.c ockam-routed/streamidx.c \
		  ockam-routed/streamcall.c ockam-routed/streamwait.c \
		  ockam-routed/streamshow.c ockam-routed/summaryctl.c \
		  ockam-routed/children.c \
		  ockam-routed/vaultcall.c ockam-routed/identity.c \
		  ockam-routed/channel.c ockam-routed/handshake.c \
		  ockam-routed/ephpool.c ockam-routed/session.c \
		  ockam-routed/chanctl.c ockam-routed/chanhold.c \
		  ockam-routed/chanlife.c ockam-routed/chansrc.c \
		  ockam-routed/transport.c ockam-routed/tcpctl.c \
		  ockam-routed/trust.c ockam-routed/portal.c ockam-routed/inlet.c \
		  ockam-routed/inletchan.c ockam-routed/inletctl.c \
		  ockam-routed/outlet.c \
		  ockam-routed/portalconf.c lib/sanitize.c
VAULTD_SRCS	= ockam-vaultd/vaultd.c ockam-vaultd/keystore.c \
		  ockam-vaultd/pins.c lib/sanitize.c
STREAMD_SRCS	= ockam-streamd/streamd.c ockam-streamd/store.c \
		  ockam-streamd/storeread.c \
		  ockam-streamd/segment.c ockam-streamd/offsets.c \
		  ockam-streamd/embedded.c ockam-streamd/redis.c \
		  ockam-streamd/redisconn.c ockam-streamd/redislist.c \
		  ockam-streamd/syncer.c \
		  lib/sanitize.c
# hiredis is for ockam-streamd alone (Redis storage).
HIREDIS_LIBS	:= $(shell pkg-config --libs hiredis 2>/dev/null || echo -lhiredis)
TCPD_SRCS	= ockam-tcpd/tcpd.c ockam-tcpd/conn.c ockam-tcpd/connect.c \
		  ockam-tcpd/cut.c ockam-tcpd/watch.c \
		  ockam-tcpd/io.c ockam-tcpd/frame.c ockam-tcpd/listen.c \
		  ockam-tcpd/tls.c ockam-tcpd/resolve.c ockam-tcpd/bounds.c \
		  ockam-tcpd/portal.c \
		  lib/sanitize.c
# libtls is for ockam-tcpd alone: nothing else links it.
TLS_CFLAGS	:= $(shell pkg-config --cflags libtls 2>/dev/null)
TLS_LIBS	:= $(shell pkg-config --libs libtls 2>/dev/null || echo -ltls)
CTL_SRCS	= ockamctl/ockamctl.c ockamctl/message.c ockamctl/secure.c \
		  ockamctl/relay.c ockamctl/stream.c ockamctl/transport.c \
		  ockamctl/portal.c ockamctl/inlet.c \
		  ockamctl/sclient.c ockamctl/verbs.c ockamctl/json.c \
		  ockamctl/list.c ockamctl/node.c ockamctl/reload.c
EXAMPLES	= many-hops hub-bob hub-alice

LIB	 = $(BUILD)/libockam.a
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
PARSE_OBJ = $(BUILD)/obj/ockam-routed/parse.o
ROUTED_OBJS = $(ROUTED_SRCS:%.c=$(BUILD)/obj/%.o) $(PARSE_OBJ)
CONF_OBJS = $(BUILD)/obj/ockam-routed/config.o \
	    $(BUILD)/obj/ockam-routed/confsclient.o \
	    $(BUILD)/obj/ockam-routed/confstmt.o \
	    $(BUILD)/obj/ockam-routed/portalconf.o $(PARSE_OBJ)

PROGS	 = $(BUILD)/ockam-routed $(BUILD)/ockam-vaultd $(BUILD)/ockam-tcpd \
	   $(BUILD)/ockam-streamd $(BUILD)/ockamctl \
	   $(EXAMPLES:%=$(BUILD)/examples/%)

UNIT_SRCS  = $(wildcard regress/unit/test_*.c)
UNIT_PROGS = $(UNIT_SRCS:regress/unit/%.c=$(BUILD)/regress/%)
# Test helpers: a program of each regress/helpers/NAME.c, and one of all
# the files of each directory regress/helpers/NAME/.  The code they share
# is in regress/helpers/common/, a library every helper links.
HELPER_SRCS = $(wildcard regress/helpers/*.c)
HELPER_DIRS = $(filter-out common, \
	      $(patsubst regress/helpers/%/,%,$(wildcard regress/helpers/*/)))
HELPER_PROGS = $(HELPER_SRCS:regress/helpers/%.c=$(BUILD)/regress/%) \
	       $(HELPER_DIRS:%=$(BUILD)/regress/%)
HELPER_LIB = $(BUILD)/libhelpers.a
HELPER_LIB_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o, \
		  $(wildcard regress/helpers/common/*.c))
helper_objs = $(patsubst %.c,$(BUILD)/obj/%.o, \
	      $(wildcard regress/helpers/$(1)/*.c))

all: $(PROGS)

# routed's headers are its own: only its objects and the tests of its
# code see them (vaultd, tcpd and ockamctl cannot include them).
$(BUILD)/obj/ockam-routed/%.o: CFLAGS += -Iockam-routed
$(BUILD)/obj/regress/unit/test_conf.o: CFLAGS += -Iockam-routed

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/ockam-routed/parse.c: ockam-routed/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

# Generated code: the grammar's own warnings are checked by bison.
$(PARSE_OBJ): $(BUILD)/obj/ockam-routed/parse.c
	$(CC) $(CFLAGS) -Wno-unused-but-set-variable -Wno-missing-prototypes \
	    -MMD -MP -c -o $@ $<

# The version (VERSION, and the git revision of a checkout), rewritten
# only when it changes, so that a build without changes stays as it is.
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@v="$$(cat VERSION)"; \
	r="$$(git rev-parse --short HEAD 2>/dev/null)"; \
	if [ -n "$$r" ]; then \
		git diff --quiet HEAD -- 2>/dev/null || r="$$r+"; \
		v="$$v ($$r)"; \
	fi; \
	printf '#define OCKAM_VERSION "%s"\n' "$$v" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:
$(BUILD)/obj/lib/version.o: $(BUILD)/gen/version.h
$(BUILD)/obj/lib/version.o: CFLAGS += -I$(BUILD)/gen

# The installed paths routed knows, rewritten only when they change.
$(BUILD)/gen/paths.h: FORCE
	@mkdir -p $(@D)
	@printf '#define OCKAM_CONFFILE "%s"\n#define OCKAM_LIBEXECDIR "%s"\n' \
	    "$(SYSCONFDIR)/ockam/ockam.conf" "$(LIBEXECDIR)" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/ockam-routed/paths.o: $(BUILD)/gen/paths.h
$(BUILD)/obj/ockam-routed/paths.o: CFLAGS += -I$(BUILD)/gen

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

# libcrypto is for the channels' AEAD in routed (lib/aead.c) alone.
CRYPTO_CFLAGS	:= $(shell pkg-config --cflags libcrypto 2>/dev/null)
CRYPTO_LIBS	:= $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
$(BUILD)/obj/lib/aead.o: CFLAGS += $(CRYPTO_CFLAGS)

$(BUILD)/ockam-routed: $(ROUTED_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(ROUTED_OBJS) $(LIB) $(LDLIBS) $(CRYPTO_LIBS)

$(BUILD)/ockam-vaultd: $(VAULTD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(VAULTD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) $(LDLIBS)

$(BUILD)/ockam-streamd: $(STREAMD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(STREAMD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) \
	    $(HIREDIS_LIBS) $(LDLIBS)

$(BUILD)/ockam-tcpd: $(TCPD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TCPD_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) \
	    $(TLS_LIBS) $(LDLIBS)

$(BUILD)/obj/ockam-tcpd/%.o: ockam-tcpd/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(TLS_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ockamctl: $(CTL_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CTL_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB) $(LDLIBS)

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Unit tests link the real module sources; the config tests also link
# the routed parser.
$(BUILD)/regress/test_conf: $(BUILD)/obj/regress/unit/test_conf.o $(CONF_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(CONF_OBJS) $(LIB) $(LDLIBS) -lcmocka

# The keystore tests link the vault's key module.
KEYSTORE_OBJ = $(BUILD)/obj/ockam-vaultd/keystore.o
$(BUILD)/regress/test_keystore: $(BUILD)/obj/regress/unit/test_keystore.o $(KEYSTORE_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(KEYSTORE_OBJ) $(LIB) $(LDLIBS) -lcmocka

# The pin tests link the vault's pin module.
PINS_OBJ = $(BUILD)/obj/ockam-vaultd/pins.o
$(BUILD)/regress/test_pins: $(BUILD)/obj/regress/unit/test_pins.o $(PINS_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(PINS_OBJ) $(LIB) $(LDLIBS) -lcmocka

# The stream storage tests link streamd's storage and their helpers.
STORE_OBJS = $(BUILD)/obj/ockam-streamd/store.o \
	     $(BUILD)/obj/ockam-streamd/storeread.o \
	     $(BUILD)/obj/ockam-streamd/segment.o \
	     $(BUILD)/obj/ockam-streamd/offsets.o \
	     $(BUILD)/obj/ockam-streamd/syncer.o
STORE_TESTS = $(BUILD)/regress/test_streamlog $(BUILD)/regress/test_streamdisk
STREAMTEST_OBJ = $(BUILD)/obj/regress/unit/streamtest.o
$(STORE_TESTS): $(BUILD)/regress/%: $(BUILD)/obj/regress/unit/%.o $(STREAMTEST_OBJ) $(STORE_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(STREAMTEST_OBJ) $(STORE_OBJS) $(LIB) $(LDLIBS) -lcmocka

# The frame tests link tcpd's frame reader.
FRAME_OBJ = $(BUILD)/obj/ockam-tcpd/frame.o
$(BUILD)/regress/test_frame: $(BUILD)/obj/regress/unit/test_frame.o $(FRAME_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(FRAME_OBJ) $(LIB) $(LDLIBS) -lcmocka

# The AEAD tests compare libcrypto's AES-256-GCM with libsodium's.
$(BUILD)/regress/test_aead: $(BUILD)/obj/regress/unit/test_aead.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(CRYPTO_LIBS) -lcmocka

# The crypto tests read the vector files of regress/vectors with
# regress/unit/vectors.c.
VECTOR_TESTS = $(BUILD)/regress/test_noise $(BUILD)/regress/test_wycheproof
VECTORS_OBJ = $(BUILD)/obj/regress/unit/vectors.o
$(VECTOR_TESTS): $(BUILD)/regress/%: $(BUILD)/obj/regress/unit/%.o $(VECTORS_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(VECTORS_OBJ) $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/regress/test_%: $(BUILD)/obj/regress/unit/test_%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(HELPER_LIB): $(HELPER_LIB_OBJS)
	rm -f $@
	ar rcs $@ $(HELPER_LIB_OBJS)

$(BUILD)/regress/%: $(BUILD)/obj/regress/helpers/%.o $(HELPER_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HELPER_LIB) $(LIB) $(LDLIBS)

.SECONDEXPANSION:
$(HELPER_DIRS:%=$(BUILD)/regress/%): $(BUILD)/regress/%: \
    $$(call helper_objs,$$*) $(HELPER_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(call helper_objs,$*) $(HELPER_LIB) $(LIB) \
	    $(LDLIBS)

regress-progs: $(PROGS) $(UNIT_PROGS) $(HELPER_PROGS)

$(BUILD)/regress/bench: $(BUILD)/obj/regress/bench/bench.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/regress/streambench: $(BUILD)/obj/regress/bench/streambench.o \
    $(HELPER_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HELPER_LIB) $(LIB) $(LDLIBS)

$(BUILD)/regress/tcpecho: $(BUILD)/obj/regress/bench/tcpecho.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $<

$(BUILD)/regress/pushbench: $(BUILD)/obj/regress/bench/pushbench.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/regress/aeadbench: $(BUILD)/obj/regress/bench/aeadbench.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(CRYPTO_LIBS)

# Benchmarks: an optimized build, tables against raw libsodium, plain
# TCP and stunnel, a channel through a hub against a direct one, and
# the stream storage alone and behind a hub's stream service.
bench: all $(BUILD)/regress/bench $(BUILD)/regress/tcpecho \
    $(BUILD)/regress/streambench $(BUILD)/regress/pushbench \
    $(BUILD)/regress/aeadbench
	sh regress/bench/run.sh $(BUILD)

# The test build: sanitizers plus the test-only hooks (OCKAM_REGRESS),
# and a build without the sandbox for the valgrind test.  Both with two
# jobs (CI has two cores), unless make was given a -j of its own.
REGRESS_J	 = $(if $(filter -j%,$(MAKEFLAGS)),,-j2)
regress:
	$(MAKE) $(REGRESS_J) BUILD=build-regress SANITIZE=1 REGRESS=1 \
	    regress-progs
	$(MAKE) $(REGRESS_J) BUILD=build-valgrind NOSANDBOX=1 all
	VGBUILD=build-valgrind sh regress/run.sh build-regress

# Fuzzing (regress/fuzz): libFuzzer targets built with clang, ASan and
# UBSan in build-fuzz/, apart from the other builds.  "make fuzz-progs"
# only builds them; "make fuzz" runs each for FUZZ_TIME seconds.
FUZZ_BUILD	 = build-fuzz
FUZZ_CC		 = clang
FUZZ_TIME	?= 60
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -O1 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
		   -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
		   -Wformat=2 -Ilib $(PKG_CFLAGS) $(FUZZ_SAN) \
		   -fsanitize=fuzzer-no-link
FUZZ_LIB_SRCS	 = lib/buf.c lib/route.c lib/wire.c lib/multiaddr.c \
		   lib/log.c lib/noise.c lib/limit.c lib/stream.c \
		   ockam-routed/config.c \
		   ockam-routed/confstmt.c ockam-routed/portalconf.c \
		   ockam-routed/confsclient.c lib/streamname.c \
		   ockam-tcpd/frame.c \
		   regress/fuzz/fuzzutil.c
FUZZ_LIB	 = $(FUZZ_BUILD)/libockam-fuzz.a
FUZZ_PARSE	 = $(FUZZ_BUILD)/obj/ockam-routed/parse.o
FUZZ_PROGS	 = $(patsubst regress/fuzz/%.c,$(FUZZ_BUILD)/%, \
		   $(wildcard regress/fuzz/fuzz_*.c))

# Routed's and tcpd's headers: for their code and the harnesses of it.
$(FUZZ_BUILD)/obj/ockam-routed/%.o: FUZZ_CFLAGS += -Iockam-routed
$(FUZZ_BUILD)/obj/regress/fuzz/fuzz_config.o: FUZZ_CFLAGS += -Iockam-routed
$(FUZZ_BUILD)/obj/regress/fuzz/fuzz_handshake.o: FUZZ_CFLAGS += -Iockam-routed
$(FUZZ_BUILD)/obj/regress/fuzz/fuzz_frame.o: FUZZ_CFLAGS += -Iockam-tcpd

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

# The harnesses themselves must compile without a warning.
$(FUZZ_BUILD)/obj/regress/fuzz/%.o: regress/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/obj/ockam-routed/parse.c: ockam-routed/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

# fuzz_config decides which files the parser may open (fuzz_conf_fopen).
$(FUZZ_PARSE): $(FUZZ_BUILD)/obj/ockam-routed/parse.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Dfopen=fuzz_conf_fopen \
	    -Wno-unused-but-set-variable -Wno-missing-prototypes \
	    -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_config: $(FUZZ_BUILD)/obj/regress/fuzz/fuzz_config.o \
    $(FUZZ_PARSE) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/regress/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz-progs: $(FUZZ_PROGS)

fuzz: fuzz-progs
	sh regress/fuzz/run.sh $(FUZZ_TIME)

.PHONY: fuzz fuzz-progs
.SECONDARY: $(FUZZ_PROGS:$(FUZZ_BUILD)/%=$(FUZZ_BUILD)/obj/regress/fuzz/%.o)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

demo: all
	sh etc/demo.sh $(BUILD)

lint:
	mandoc -Tlint -Wwarning ockam-routed/*.[58] ockam-vaultd/*.8 \
	    ockam-tcpd/*.8 ockam-streamd/*.8 ockamctl/*.8

# The programs, the helpers where routed looks for them, the manuals,
# the unit (its paths made these) and a sample configuration that an
# existing one is never replaced by.
MAN5	= ockam-routed/ockam.conf.5
MAN8	= ockam-routed/ockam-routed.8 ockam-vaultd/ockam-vaultd.8 \
	  ockam-tcpd/ockam-tcpd.8 ockam-streamd/ockam-streamd.8 \
	  ockamctl/ockamctl.8
HELPERS	= ockam-vaultd ockam-tcpd ockam-streamd
install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/ockam \
	    $(DESTDIR)$(SYSTEMDDIR)
	$(INSTALL) -m 755 $(BUILD)/ockam-routed $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $(BUILD)/ockamctl $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(HELPERS:%=$(BUILD)/%) $(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	sed -e 's|/usr/sbin/ockam-routed|$(SBINDIR)/ockam-routed|g' \
	    -e 's|/etc/ockam/ockam.conf|$(SYSCONFDIR)/ockam/ockam.conf|g' \
	    etc/ockam-routed.service > $(DESTDIR)$(SYSTEMDDIR)/ockam-routed.service
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/ockam-routed.service
	$(INSTALL) -m 644 etc/ockam.conf $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf.sample
	# Read again on reload by the node's user: root:_ockam 0640 when
	# installing on this system (the package's postinst does the same).
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf ]; then \
		$(INSTALL) -m 644 etc/ockam.conf \
		    $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf; \
		if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
		    getent group _ockam >/dev/null; then \
			chgrp _ockam $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf; \
			chmod 640 $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf; \
		fi; \
	fi

# The sample stays when the configuration is the operator's own.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ockam-routed $(DESTDIR)$(BINDIR)/ockamctl \
	    $(HELPERS:%=$(DESTDIR)$(LIBEXECDIR)/%) \
	    $(MAN5:ockam-routed/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
	    $(DESTDIR)$(SYSTEMDDIR)/ockam-routed.service
	if cmp -s etc/ockam.conf $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf; \
	fi
	rm -f $(DESTDIR)$(SYSCONFDIR)/ockam/ockam.conf.sample
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)/ockam 2>/dev/null

# A Debian package of the tree (debian/: debhelper, lintian), in ..
deb:
	dpkg-buildpackage -us -uc -b
	lintian ../ockam-c_$$(cat VERSION)_$$(dpkg --print-architecture).changes

clean:
	rm -rf build build-regress build-valgrind

.PHONY: all regress regress-progs demo lint clean bench install uninstall deb
.PRECIOUS: $(BUILD)/%.o $(BUILD)/obj/ockam-routed/parse.c

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
