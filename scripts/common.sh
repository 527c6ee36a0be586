# Shared by scripts/demo and scripts/test: install what a fresh Debian machine with the Rust
# toolchain lacks. Packages come from Debian; front-end libraries from npm (package-lock.json).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

APT_UPDATED=
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# need COMMAND DEBIAN-PACKAGE...: install the packages when the command is missing.
need() {
  local cmd=$1; shift
  if ! command -v "$cmd" >/dev/null 2>&1; then say "installing $*"; apt_install "$@"; fi
}

ensure_build_tools() {
  command -v cargo >/dev/null || { echo "Rust toolchain (cargo) not found: install it with rustup first" >&2; exit 1; }
  need cc gcc libc6-dev
  need npm nodejs npm
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing front-end libraries (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}
