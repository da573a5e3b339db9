install -d -o kigen -g kigen -m 0750 /var/lib/kigen /var/lib/kigen/incoming /var/lib/kigen/out /var/lib/kigen/state
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
