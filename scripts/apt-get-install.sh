# Sourced by scripts/install-postgresql.sh and scripts/install-redis.sh (uses their log()):
#   apt_get_install PACKAGE
# installs Debian's PACKAGE (no recommends) as root, or through sudo, running
# `apt-get update` only when the install fails without it; exits 1 when it
# cannot. apt-get's output goes to stderr.
apt_get_install() {
  local pkg="$1" sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "ERROR: need root (or sudo) to apt-get install $pkg"; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install $pkg"
  if ! $sudo apt-get install -y --no-install-recommends "$pkg" </dev/null >&2; then
    log "install failed; running apt-get update and retrying"
    $sudo apt-get update </dev/null >&2
    $sudo apt-get install -y --no-install-recommends "$pkg" </dev/null >&2 || {
      log "ERROR: apt-get install $pkg failed"
      exit 1
    }
  fi
}
