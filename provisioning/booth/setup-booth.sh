#!/usr/bin/env bash
# Set up a booth computer (Raspberry Pi OS 64-bit or Debian 12) from a provisioning bundle.
# Usage, as root:  setup-booth.sh BUNDLE_DIR
#   BUNDLE_DIR holds kiosk.toml, ca.crt, booth.crt, booth.key from `python -m provisioning add-booth`.
set -euo pipefail
bundle=${1:?usage: setup-booth.sh BUNDLE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

for f in kiosk.toml ca.crt booth.crt booth.key; do
    [[ -f "$bundle/$f" ]] || { echo "missing $bundle/$f" >&2; exit 1; }
done

echo "1/6 packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3 python3-venv libzbar0 libfribidi0 chromium xserver-xorg xinit unclutter fonts-noto-core

echo "2/6 user"
id dakbooth >/dev/null 2>&1 || useradd --system --create-home --groups dialout,lp,video,plugdev dakbooth

echo "3/6 software in /opt/dakbooth"
mkdir -p /opt/dakbooth
cp -a "$src/." /opt/dakbooth/
python3 -m venv /opt/dakbooth/.venv
/opt/dakbooth/.venv/bin/pip install -q /opt/dakbooth

echo "4/6 identity and config in /etc/dakbooth"
install -d -o dakbooth -g dakbooth -m 0750 /etc/dakbooth /var/lib/dakbooth /var/log/dakbooth
install -o dakbooth -g dakbooth -m 0640 "$bundle/kiosk.toml" "$bundle/ca.crt" "$bundle/booth.crt" /etc/dakbooth/
install -o dakbooth -g dakbooth -m 0600 "$bundle/booth.key" /etc/dakbooth/
sed -i 's|^path = "kiosk.sqlite"|path = "/var/lib/dakbooth/kiosk.sqlite"|' /etc/dakbooth/kiosk.toml

echo "5/6 devices, logs, services"
install -m 0644 "$here/99-dakbooth-devices.rules" /etc/udev/rules.d/
udevadm control --reload && udevadm trigger
install -m 0644 "$here/dakbooth.logrotate" /etc/logrotate.d/dakbooth
install -m 0644 "$here/dakbooth-kiosk.service" "$here/dakbooth-browser.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now dakbooth-kiosk.service
systemctl enable dakbooth-browser.service

echo "6/6 check"
sudo -u dakbooth /opt/dakbooth/.venv/bin/python -m kiosk --config /etc/dakbooth/kiosk.toml devices
echo "Add the first clerk:  sudo -u dakbooth /opt/dakbooth/.venv/bin/python -m kiosk --config /etc/dakbooth/kiosk.toml add-clerk ID --pin PIN --supervisor"
