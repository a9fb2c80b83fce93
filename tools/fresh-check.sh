#!/usr/bin/env bash
# Clean-root check: run the README's Quick start (`npm run setup`, then `npm test`) on a Debian
# bookworm tree that starts with nothing but debootstrap's minimal base and this machine's Node
# binary. It proves the project installs everything it needs itself, which a developer machine or a
# CI machine that keeps what was once installed by hand cannot show. Not part of `npm test`.
#
#   sudo tools/fresh-check.sh [--ref REF] [--fresh] [--keep] [--cache DIR] [--data DIR]
#
#   --ref REF    commit to check (default HEAD of this checkout; only committed files are used)
#   --fresh      rebuild the cached debootstrap base instead of reusing it
#   --keep       keep the root afterwards (its path is printed) to look around in it
#   --cache DIR  where the base tarball is kept (default ~/.cache/d2l-fresh-check, or $D2L_FRESH_CACHE)
#   --data DIR   folder holding airfoil_self_noise.dat (default ../shared/data beside the checkout)
#
# Needs root, debootstrap, git, unshare and access to a Debian mirror and the npm registry. The
# mirror is the first Debian URI in /etc/apt/sources.list* (override with D2L_FRESH_MIRROR).
# Exit code: npm test's inside the root (setup's if 'npm run setup' failed; 2 when the check itself
# could not run).
set -euo pipefail
# One block, read whole before it runs: the check takes many minutes, and bash otherwise reads a
# script as it goes, so checking out another branch meanwhile would change the running script.
{

say() { printf '\033[1m[fresh-check]\033[0m %s\n' "$*"; }
die() { printf '[fresh-check] error: %s\n' "$*" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
ref=HEAD
fresh=0
keep=0
cache=${D2L_FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/d2l-fresh-check}
data=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) ref=${2:?--ref needs a commit}; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --keep) keep=1; shift ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --data) data=${2:?--data needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, mounts and pivot_root): sudo $0 $*"
for tool in debootstrap git unshare pivot_root tar; do
  command -v "$tool" >/dev/null || die "'$tool' not found: install it (apt-get install debootstrap git util-linux)"
done
node_bin=$(command -v node) || die "node not found: the root gets this machine's Node binary, so install Node 20 first"
npm_dir=/usr/lib/node_modules/npm
[ -f "$npm_dir/bin/npm-cli.js" ] || npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
[ -f "$npm_dir/bin/npm-cli.js" ] || die "npm's package folder not found (looked in /usr/lib/node_modules/npm)"

sha=$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}") || die "'$ref' is not a commit of $repo"
[ -n "$data" ] || data="$repo/../shared/data"
[ -f "$data/airfoil_self_noise.dat" ] || die "no airfoil_self_noise.dat in $data: pass --data DIR (no network to d2l's server here)"
data=$(cd "$data" && pwd)

mirror=${D2L_FRESH_MIRROR:-$(grep -hoE '^(URIs:|deb) +[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
  | awk '{print $2}' | head -n1 || true)}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=${mirror%/debian}/debian-security
[ "${mirror%/debian/}" = "$mirror" ] || security=${mirror%/debian/}/debian-security

declare -A took=()
phase_start=0
begin() { phase=$1; phase_start=$SECONDS; say "$phase ..."; }
end() { took[$phase]=$((SECONDS - phase_start)); }
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

work=""
cleanup() {
  local rc=$?
  if [ -n "$work" ] && [ -d "$work" ]; then
    # The mounts live in a private mount namespace and vanish with it; unmount anything that
    # still shows up under the root anyway, so rm never walks into a bind mount.
    findmnt -rn -o TARGET | awk -v r="$work/" 'index($0, r) == 1' | sort -r | while read -r m; do umount -l "$m" || true; done
    if [ "$keep" -eq 1 ]; then say "root kept at $work/root"; else rm -rf --one-file-system "$work"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$cache"
base="$cache/bookworm-minbase.tar.gz"
total_start=$SECONDS

if [ "$fresh" -eq 1 ] || [ ! -s "$base" ]; then
  begin "debootstrap bookworm from $mirror"
  tmpbase=$(mktemp -d "$cache/base.XXXXXX")
  chmod 755 "$tmpbase"  # it becomes /: mktemp's 0700 would lock out apt's _apt user
  debootstrap --variant=minbase bookworm "$tmpbase" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { rm -rf --one-file-system "$tmpbase"; die "debootstrap failed, see $cache/debootstrap.log"; }
  # A machine as installed: the release, its updates and security suites, nothing else.
  rm -f "$tmpbase/etc/apt/sources.list"
  cat >"$tmpbase/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  find "$tmpbase/var/cache/apt/archives" "$tmpbase/var/lib/apt/lists" -type f -delete
  tar -C "$tmpbase" -czf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf --one-file-system "$tmpbase"
  end
else
  say "reusing the base $base (--fresh rebuilds it)"
fi

begin "unpack the root"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/d2l-fresh.XXXXXX")
root="$work/root"
mkdir -p "$root"
tar -C "$root" -xzf "$base"
chmod 755 "$root"  # / as on any machine, whatever mode an older cached base recorded
# This machine's network settings come along, as any machine on its network has them: the resolver
# and, when Node is told to trust extra certificate authorities (a TLS-inspecting proxy), that file.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
extra_ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$root/usr/local/share/fresh-check"
  cp -L "$NODE_EXTRA_CA_CERTS" "$root/usr/local/share/fresh-check/extra-ca.crt"
  extra_ca=(NODE_EXTRA_CA_CERTS=/usr/local/share/fresh-check/extra-ca.crt)
fi
end

begin "bring in Node $("$node_bin" --version) and npm"
install -m 755 "$node_bin" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
end

begin "clone ${sha:0:12} into the root"
# Only committed files: a clone of the commit, not a copy of the working tree.
git clone --quiet --no-checkout --no-hardlinks "$repo" "$root/work/repo"
git -C "$root/work/repo" -c advice.detachedHead=false checkout --quiet "$sha"
git -C "$root/work/repo" remote remove origin
mkdir -p "$root/work/shared/data"
end

# Inside: new mount and pid namespaces, so every mount and every process left behind (kernels,
# servers, Chromium) ends with the check. The data folder is mounted read-only.
log="$work/run.log"
inside=$(cat <<'EOF'
set -euo pipefail
cd /work/repo
set +e
start=$SECONDS
npm run setup
rc=$?
echo "@@setup $((SECONDS - start)) $rc"
[ "$rc" -eq 0 ] || exit "$rc"
start=$SECONDS
npm test
rc=$?
echo "@@test $((SECONDS - start)) $rc"
exit "$rc"
EOF
)
say "running 'npm run setup' and 'npm test' inside the root (CI=true; the log is kept in $work)"
set +e
unshare --mount --pid --fork --propagation private /bin/bash -euc '
  root=$1 data=$2 script=$3; shift 3
  # pivot_root, not chroot: the kernel refuses new user namespaces to a chrooted process, and the
  # bubblewrap sandbox of the autograder needs them, as it would on a real machine. pivot_root needs
  # the root to be a mount point: bind it onto itself first, before the mounts below it.
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
  mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
  mount --bind "$data" "$root/work/shared/data"
  mount -o remount,bind,ro "$root/work/shared/data"
  mkdir -p "$root/.old-root"
  cd "$root"
  pivot_root . .old-root
  umount -l /.old-root
  rmdir /.old-root
  exec /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=dumb CI=true D2L_DATA_DIR=/work/shared/data "$@" /bin/bash -c "$script" </dev/null
' fresh-check "$root" "$data" "$inside" "${extra_ca[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
cp "$log" "$cache/last-run.log"

setup_s=$(sed -n 's/^@@setup \([0-9]*\) [0-9]*$/\1/p' "$log" | tail -n1)
test_line=$(sed -n 's/^@@test \([0-9]*\) \([0-9]*\)$/\1/p' "$log" | tail -n1)
summary=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1 || true)
echo
say "commit ${sha:0:12}, Debian bookworm minbase + Node $("$node_bin" --version)"
for p in "debootstrap bookworm from $mirror" "unpack the root" "bring in Node $("$node_bin" --version) and npm" "clone ${sha:0:12} into the root"; do
  [ -n "${took[$p]+x}" ] && say "  $(fmt "${took[$p]}")  $p"
done
[ -n "$setup_s" ] && say "  $(fmt "$setup_s")  npm run setup"
[ -n "$test_line" ] && say "  $(fmt "$test_line")  npm test"
say "  $(fmt $((SECONDS - total_start)))  in all"
say "${summary:-no test summary line: setup failed or npm test did not finish (see $cache/last-run.log)}"
say "exit code $rc (log: $cache/last-run.log)"
exit "$rc"
}
