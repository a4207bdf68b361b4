#!/bin/sh
# SPDX-License-Identifier: ISC
# ockam-vaultd on its own, driven by regress/helpers/vaultpoke exactly as
# routed drives it: identities, ephemeral keys, DH and signatures checked
# against libsodium, key files, refusals, the per-phase request table,
# the sandbox and, as root, the chroot into the key directory.
. "$(dirname "$0")/lib.sh"

VAULTD=$BUILD/ockam-vaultd
POKE=$HELPERS/vaultpoke
AS=""			# prefix that runs vaultpoke as another user

# poke OUT USER DIR SCENARIO [NAME]: run vaultpoke, output to $T/OUT
poke() {
	out=$1; shift
	$AS "$POKE" "$VAULTD" "$@" > "$T/$out" 2>&1
}

# no_failure OUT DESC: vaultpoke's own checks all passed
no_failure() {
	if grep -q 'FAILED\|no READY\|did not exit' "$T/$1"; then
		fail "$2"
		sed 's/^/#   /' "$T/$1"
	else ok "$2"; fi
}

mode_of() { stat -c '%U %a' "$1"; }

# suite TAG USER DIR: what holds for any user.  DIR's parent must be
# writable by whoever runs the vault; DIR itself must not exist yet.
suite() {
	tag=$1 u=$2 d=$3 owner=$4

	poke $tag.normal "$u" "$d" normal
	expect $tag.normal "$tag: identity, ephemerals, DH, signature, FREE" \
	    "^ready" "^identity bob I[0-9a-f]\{64\}$" "^dh static ok" \
	    "^dh ephemeral ok" "^sign ok" "^free ok" "child exited: status 0"
	no_failure $tag.normal "$tag: every check against libsodium passes"
	expect $tag.normal "$tag: a FREE of an unknown key is logged, ignored" \
	    "FREE of unknown ephemeral key"
	[ "$(mode_of "$d")" = "$owner 700" ] &&
	    ok "$tag: key directory created, mode 0700, owned by $owner" ||
	    fail "$tag: key directory created ($(mode_of "$d"))"
	bad=""
	for f in bob.ed25519 bob.x25519; do
		[ "$(stat -c '%U %a %s' "$d/$f")" = "$owner 600 32" ] ||
		    bad="$bad $f:$(stat -c '%U:%a:%s' "$d/$f")"
	done
	[ -z "$bad" ] && ok "$tag: key files 0600, $owner, 32 bytes" ||
	    fail "$tag: key files:$bad"
	[ "$(ls -A "$d" | wc -l)" -eq 2 ] &&
	    ok "$tag: nothing else in the key directory" ||
	    fail "$tag: nothing else in the key directory: $(ls -A "$d")"

	id=$(sed -n 's/^identity bob \(I.*\)/\1/p' "$T/$tag.normal" | head -n 1)
	poke $tag.load "$u" "$d" load bob
	expect $tag.load "$tag: the identity survives a restart" \
	    "^identity bob $id$"
	poke $tag.persist "$u" "$d" persist
	expect $tag.persist "$tag: persist scenario" "second run: same keys ok"

	poke $tag.exfil "$u" "$d" exfil
	expect $tag.exfil "$tag: no answer carries private key bytes" \
	    "exfil: no private key bytes in any answer ok"

	poke $tag.cap "$u" "$d" cap
	expect $tag.cap "$tag: ephemeral keys capped, with a log line" \
	    "cap: all of VAULT_EPHEMERAL_MAX ok" "cap: one more: LIMIT ok" \
	    "cap: after a FREE, a new key with a new id ok" \
	    "ephemeral keys alive: refusing another"

	poke $tag.nodir "$u" "" nodir
	expect $tag.nodir "$tag: no key directory: identities fail, DH works" \
	    "nodir identity IO ok" "nodir dh ok" "child exited: status 0"

	# Refused key files: logged, answered IO, never replaced.
	cp "$d/bob.x25519" "$T/$tag.keep"
	chmod 640 "$d/bob.x25519"
	poke $tag.loose "$u" "$d" create bob
	expect $tag.loose "$tag: a key file open to the group is refused" \
	    "identity bob status 2" \
	    "bob.x25519: group or others have access"
	chmod 600 "$d/bob.x25519"
	cmp -s "$d/bob.x25519" "$T/$tag.keep" &&
	    ok "$tag: the refused key file is left alone" ||
	    fail "$tag: the refused key file is left alone"
	rm -f "$d/carol.ed25519"
	poke $tag.half "$u" "$d" create carol
	expect $tag.half "$tag: half an identity is refused, not completed" \
	    "identity carol status 2" "identity carol in .* is incomplete"
	check "$tag: ... and carol.ed25519 is not recreated" \
	    test ! -e "$d/carol.ed25519"
	rm -f "$d/carol.x25519"
	$AS sh -c "umask 077; : > '$d/.tmp.bob.ed25519'"
	poke $tag.stale "$u" "$d" load bob
	expect $tag.stale "$tag: stale temporary files removed at start-up" \
	    "removed .*/\.tmp\.bob\.ed25519" "^identity bob $id$"

	# The request table.
	for s in early late twice unknown badsize unterminated freeid \
	    hsflags hsndh hsnew hsbyid hsnoeph hsident pinop pinkey pinid; do
		poke $tag.$s "$u" "$d" $s
		case $s in
		early|late)	why="not permitted now" ;;
		twice)		why="not permitted twice" ;;
		unknown)	why="unsupported request" ;;
		badsize)	why="VAULT_HANDSHAKE from routed (length 83): size" ;;
		hsflags)	why="unknown flags" ;;
		hsndh)		why="too many DH" ;;
		hsnew|hsident)	why="not an ephemeral key" ;;
		hsbyid)		why="ephemeral key named by id" ;;
		hsnoeph)	why="no ephemeral key" ;;
		unterminated)	why="unterminated string" ;;
		freeid)		why="only ephemeral keys can be freed" ;;
		pinop)		why="unknown pin operation" ;;
		pinkey)		why="not a route text" ;;
		pinid)		why="not an identifier" ;;
		esac
		expect $tag.$s "$tag: $s request is fatal: $why" \
		    "malformed imsg" "$why" "child exited: status 1"
	done

	# Pins, in the sandboxed vault (IMSG_VAULT_PIN).
	poke $tag.pin "$u" "$d" pin
	expect $tag.pin "$tag: pins: none, first pin, found, another refused, removed" \
	    "pin lookup status 1 id -" "pin record status 0 id I1111" \
	    "pin lookup status 0 id I1111" "pin record status 6 id I1111" \
	    "pin remove status 0 id I1111" "child exited: status 0"
	check "$tag: ... kept in the file pins, mode 0600" \
	    $AS sh -c "grep -q '^/ip4/127.0.0.1/tcp/4000/service/bob_listener I1111' '$d/pins' && [ \"\$(stat -c %a '$d/pins')\" = 600 ]"

	poke $tag.sandbox "$u" "$d" sandbox
	expect $tag.sandbox "$tag: a forbidden syscall kills the vault (SIGSYS)" \
	    "child exited: signal 31"

	mkdir -p "$d.filter"
	[ -n "$AS" ] && chown nobody "$d.filter"
	poke $tag.filter "$u" "$d.filter" filter
	expect $tag.filter "$tag: the filter: files only relative to the key directory" \
	    "filter: allowed calls ok" "filter: openat(AT_FDCWD) EACCES ok" \
	    "filter: openat(other dir) EACCES ok" "filter: open EACCES ok" \
	    "filter: unlinkat elsewhere kills ok" \
	    "filter: renameat out of dir kills ok" "filter: mkdirat kills ok"
	no_failure $tag.filter "$tag: every filter check passes"

	# Key directories that must be refused at start-up.
	mkdir "$d.loose"
	[ -n "$AS" ] && chown nobody "$d.loose"
	[ "$tag" = root ] && chown "$VAULT_USER" "$d.loose"
	chmod 750 "$d.loose"
	poke $tag.dirloose "$u" "$d.loose" normal
	expect $tag.dirloose "$tag: a key directory open to the group is refused" \
	    "vault directory $d.loose has mode 0750" "no READY" \
	    "child exited: status 1"
	: > "$d.file"
	[ -n "$AS" ] && chown nobody "$d.file"
	poke $tag.dirfile "$u" "$d.file" normal
	expect $tag.dirfile "$tag: a key directory that is a file is refused" \
	    "vault directory $d.file: Not a directory" "child exited: status 1"
}

if is_root && have_user; then
	mkdir "$T/root"
	d=$T/root/vault
	suite root "$VAULT_USER" "$d" "$VAULT_USER"
	expect root.normal "root: the vault is chrooted into its key directory" \
	    "^vault root $d$"
	uid=$(id -u "$VAULT_USER")
	expect root.normal "root: the vault runs as $VAULT_USER" \
	    "^vault Uid:	$uid	$uid	$uid	$uid$"
	mkdir -m 700 "$T/root/rootowned"
	poke root.rootowned "$VAULT_USER" "$T/root/rootowned" normal
	expect root.rootowned "root: a key directory owned by root is refused" \
	    "is owned by uid 0: it must be owned by $VAULT_USER" \
	    "child exited: status 1"
else
	skip "vault as root: needs root and the $VAULT_USER user"
fi

# Unprivileged: as ourselves, or as nobody when we are root.
if ! is_root; then
	mkdir "$T/user"
	suite user "$VAULT_USER" "$T/user/vault" "$(id -un)"
elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	mkdir "$T/user"
	chown nobody "$T/user"
	chmod 700 "$T/user"
	AS="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	suite user "$VAULT_USER" "$T/user/vault" nobody
	AS=""
else
	skip "vault unprivileged: needs setpriv and the nobody user"
fi
