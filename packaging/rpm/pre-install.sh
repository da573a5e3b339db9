getent group kigen >/dev/null || groupadd -r kigen
getent passwd kigen >/dev/null || useradd -r -g kigen -d /var/lib/kigen -s /sbin/nologin -c "kigen nightly notices" kigen
exit 0
