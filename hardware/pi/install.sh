#!/usr/bin/env bash
# footmat on a Raspberry Pi (Raspberry Pi OS Bookworm, desktop edition): one command.
#
#   git clone <this repository> ~/footmat-src      # not ~/footmat: that is where your sessions go
#   ~/footmat-src/hardware/pi/install.sh --autostart
#
# What it does (every step is safe to repeat):
#   1. apt packages: python3-venv, python3-tk (the live view), espeak-ng and libportaudio2 (spoken cues),
#      python3-lgpio and python3-gpiozero
#      (GPIO through the system's builds), i2c-tools (i2cdetect), python3-dev (in case pip has to
#      compile a dependency);
#   2. enables I2C and SPI (raspi-config) and sets the I2C bus to 400 kHz in config.txt
#      (dtparam=i2c_arm_baudrate=400000: Blinka ignores the frequency it is asked for);
#   3. adds you to the i2c, spi and gpio groups;
#   4. makes <repository>/.venv with --system-site-packages (so it sees apt's lgpio and gpiozero)
#      and installs footmat into it (editable: `git pull` updates it);
#   5. installs a menu entry, and with --autostart starts the trainer full-screen when the desktop
#      logs in (XDG autostart: a system service cannot open a window on the desktop), boots to the
#      desktop logged in, and turns screen blanking off.
# Then reboot once. Run it as your desktop user, not with sudo: it asks for sudo itself.
#
# Options:
#   --autostart[=ARGS]  start `footmat ARGS` at login (default ARGS: routine)
#   --no-autostart      remove the autostart entry (the rest stays)
#   --serve[=ARGS]      run `footmat serve ARGS` (default ARGS: --lan) as a systemd user service, started
#                       at boot: the coach's web view. Pair a phone or tablet with the code that
#                       http://127.0.0.1:8765/pair shows on the mat's screen (or journalctl --user -u
#                       footmat-serve); a fixed token for sync goes in ~/.config/footmat/serve.env
#                       (FOOTMAT_SERVE_TOKEN=...)
#   --no-serve          stop and remove that service
#   --dry-run           print what would be done, change nothing (also works off a Pi)
#   --force             go on although this does not look like Raspberry Pi OS Bookworm on a Pi
#   -h, --help          this text
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV="$REPO/.venv"
FOOTMAT="$VENV/bin/footmat"
DESKTOP_TEMPLATE="$HERE/footmat.desktop"
APT_PACKAGES=(python3-venv python3-pip python3-tk python3-lgpio python3-gpiozero i2c-tools python3-dev
              espeak-ng libportaudio2)   # spoken cues: offline speech, and the sound stream sounddevice opens
BAUD_LINE="dtparam=i2c_arm_baudrate=400000"

DRY_RUN=0
FORCE=0
AUTOSTART=keep   # keep | on | off
AUTOSTART_ARGS="routine"
SERVE=keep       # keep | on | off
SERVE_ARGS="--lan"
SERVE_UNIT=footmat-serve.service

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 2; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# Run a command that changes the system, or only show it with --dry-run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ %s\n' "$*"
  else
    "$@"
  fi
}

# Write stdin to a file (as root when asked), or only show it with --dry-run.
write_file() {  # write_file PATH [sudo]
  local path=$1 as_root=${2:-}
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ write %s:\n' "$path"
    sed 's/^/    /'
  elif [ "$as_root" = sudo ]; then
    sudo tee "$path" >/dev/null
  else
    mkdir -p "$(dirname "$path")"
    cat >"$path"
  fi
}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --autostart) AUTOSTART=on ;;
      --autostart=*) AUTOSTART=on; AUTOSTART_ARGS=${1#--autostart=} ;;
      --no-autostart) AUTOSTART=off ;;
      --serve) SERVE=on ;;
      --serve=*) SERVE=on; SERVE_ARGS=${1#--serve=} ;;
      --no-serve) SERVE=off ;;
      --dry-run) DRY_RUN=1 ;;
      --force) FORCE=1 ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown option '$1' — see --help" ;;
    esac
    shift
  done
  case $AUTOSTART_ARGS in
    *[!A-Za-z0-9\ _./:=-]*|'') die "--autostart arguments '$AUTOSTART_ARGS' may only hold letters, digits, spaces and _ . / : = -" ;;
  esac
  case $SERVE_ARGS in
    *[!A-Za-z0-9\ _./:=-]*) die "--serve arguments '$SERVE_ARGS' may only hold letters, digits, spaces and _ . / : = -" ;;
  esac
}

check_system() {
  if [ "$(id -u)" = 0 ]; then
    if [ "$DRY_RUN" = 1 ]; then
      warn "running as root: a real install must run as the desktop user (it uses sudo itself)"
    else
      die "run this as your desktop user, without sudo: it asks for sudo where it needs it"
    fi
  fi
  local codename="" model=""
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091  # a system file, not part of this repository
    codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
  fi
  if [ -r /proc/device-tree/model ]; then
    model=$(tr -d '\0' </proc/device-tree/model)
  fi
  if [ "$codename" != bookworm ] || [[ $model != Raspberry\ Pi* ]]; then
    local what="this does not look like Raspberry Pi OS Bookworm on a Raspberry Pi (model: ${model:-none}; OS: ${codename:-unknown})"
    if [ "$DRY_RUN" = 1 ] || [ "$FORCE" = 1 ]; then
      warn "$what"
    else
      die "$what — add --force to go on anyway, or --dry-run to see the steps"
    fi
  fi
  if [ "$DRY_RUN" = 0 ] && ! command -v raspi-config >/dev/null 2>&1 && [ "$FORCE" = 0 ]; then
    die "raspi-config not found — this script is for Raspberry Pi OS (add --force to skip the bus set-up)"
  fi
  case $REPO in
    *[\"\`\$\\%]*) die "the repository path '$REPO' holds a character a desktop file cannot carry (\" \` \$ \\ %); clone it elsewhere" ;;
  esac
}

config_txt() {
  if [ -n "${FOOTMAT_PI_CONFIG:-}" ]; then
    printf '%s' "$FOOTMAT_PI_CONFIG"
  elif [ -f /boot/firmware/config.txt ]; then
    printf '%s' /boot/firmware/config.txt   # Bookworm
  else
    printf '%s' /boot/config.txt            # Bullseye and older
  fi
}

# config.txt with the I2C speed set: an existing (even commented) baudrate line is replaced; else the
# line goes right after dtparam=i2c_arm=on (so it applies wherever that applies); else at the end
# under [all], outside any conditional section.
with_i2c_baudrate() {  # with_i2c_baudrate FILE  -> new content on stdout
  awk -v line="$BAUD_LINE" '
    FNR == NR { if ($0 ~ /^[ \t]*#?[ \t]*dtparam=i2c_arm_baudrate=/) has = 1; next }
    /^[ \t]*#?[ \t]*dtparam=i2c_arm_baudrate=/ { if (!done) { print line; done = 1 }; next }
    { print }
    !has && !done && /^[ \t]*dtparam=i2c_arm=on[ \t]*$/ { print line; done = 1 }
    END { if (!done) { print ""; print "[all]"; print line } }
  ' "$1" "$1"
}

set_i2c_speed() {
  local cfg new
  cfg=$(config_txt)
  if [ ! -f "$cfg" ]; then
    if [ "$DRY_RUN" = 1 ]; then
      warn "$cfg not found: would add '$BAUD_LINE' to it"
      return
    fi
    die "$cfg not found — is this Raspberry Pi OS?"
  fi
  new=$(mktemp)
  with_i2c_baudrate "$cfg" >"$new"
  if cmp -s "$cfg" "$new"; then
    say "I2C speed: $cfg already has $BAUD_LINE"
  elif [ "$DRY_RUN" = 1 ]; then
    say "+ edit $cfg:"
    diff -u "$cfg" "$new" | sed 's/^/    /' || true
  else
    [ -f "$cfg.footmat-backup" ] || sudo cp -p "$cfg" "$cfg.footmat-backup"
    write_file "$cfg" sudo <"$new"
    say "I2C speed: set $BAUD_LINE in $cfg (backup: $cfg.footmat-backup)"
  fi
  rm -f "$new"
}

desktop_entry() {
  local exe=$FOOTMAT
  case $exe in *\ *) exe="\"$exe\"" ;; esac
  sed -e "s|@FOOTMAT@|$exe|g" -e "s|@ARGS@|$AUTOSTART_ARGS|g" "$DESKTOP_TEMPLATE"
}

# The user service of `footmat serve` (systemd --user; lingering starts it at boot, before login).
serve_unit() {
  cat <<UNIT
[Unit]
Description=footmat serve: the coach's web view (paired devices only)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
EnvironmentFile=-%h/.config/footmat/serve.env
Environment=MPLBACKEND=Agg
ExecStart="$FOOTMAT" serve $SERVE_ARGS
Restart=on-failure
RestartSec=5
NoNewPrivileges=yes

[Install]
WantedBy=default.target
UNIT
}

main() {
  parse_args "$@"
  check_system
  local user home
  user=$(id -un)
  home=${HOME:?HOME is not set}

  say "== 1/5 packages"
  run sudo apt-get update
  run sudo apt-get install -y "${APT_PACKAGES[@]}"

  say "== 2/5 I2C (400 kHz) and SPI"
  run sudo raspi-config nonint do_i2c 0
  run sudo raspi-config nonint do_spi 0
  set_i2c_speed

  say "== 3/5 groups i2c, spi, gpio for $user"
  run sudo usermod -aG i2c,spi,gpio "$user"

  say "== 4/5 virtual environment $VENV"
  run python3 -m venv --system-site-packages "$VENV"
  run "$VENV/bin/python" -m pip install --upgrade pip
  run "$VENV/bin/python" -m pip install -e "$REPO"
  run "$FOOTMAT" --version

  say "== 5/5 desktop"
  desktop_entry | write_file "$home/.local/share/applications/footmat.desktop"
  case $AUTOSTART in
    on)
      desktop_entry | write_file "$home/.config/autostart/footmat.desktop"
      run sudo raspi-config nonint do_boot_behaviour B4   # boot to the desktop, logged in
      run sudo raspi-config nonint do_blanking 1          # 1 = screen blanking off
      say "autostart: footmat $AUTOSTART_ARGS starts full-screen when the desktop logs in"
      ;;
    off)
      run rm -f "$home/.config/autostart/footmat.desktop"
      say "autostart: removed"
      ;;
    keep) ;;
  esac
  case $SERVE in
    on)
      serve_unit | write_file "$home/.config/systemd/user/$SERVE_UNIT"
      run systemctl --user daemon-reload
      run systemctl --user enable --now "$SERVE_UNIT"
      run sudo loginctl enable-linger "$user"
      say "serve: footmat serve $SERVE_ARGS runs as a user service; pair a device with the code on"
      say "       http://127.0.0.1:8765/pair (the mat's screen) or in: journalctl --user -u footmat-serve"
      ;;
    off)
      run systemctl --user disable --now "$SERVE_UNIT" || true
      run rm -f "$home/.config/systemd/user/$SERVE_UNIT"
      run systemctl --user daemon-reload
      say "serve: the user service is removed"
      ;;
    keep) ;;
  esac

  say ""
  say "Done. Reboot once so that I2C, SPI, the bus speed and the groups take effect:  sudo reboot"
  say "Then:  i2cdetect -y 1   (two ADS1115 show as 48 and 49)"
  say "       $FOOTMAT check"
}

main "$@"
