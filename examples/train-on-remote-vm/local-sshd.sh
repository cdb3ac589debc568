#!/bin/sh
# Starts a throwaway OpenSSH sshd on 127.0.0.1 to try examples/train-on-remote-vm without a VM.
# Run as root on Debian/Ubuntu (apt-get install -y openssh-server python3). It creates the local
# user amlgovm, a client key and a known_hosts file under $DIR, and prints the environment to
# export. Stop it with: kill "$(cat "$DIR/sshd.pid")"
set -eu
DIR=${DIR:-/tmp/amlgo-vm}
PORT=${PORT:-2222}
U=${VM_USER:-amlgovm}
mkdir -p "$DIR" /run/sshd
chmod 0755 "$DIR" /run/sshd
[ -f "$DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_ed25519"
[ -f "$DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/client_ed25519"
id "$U" >/dev/null 2>&1 || useradd -m -s /bin/bash "$U"
cp "$DIR/client_ed25519.pub" "$DIR/authorized_keys"
chmod 0644 "$DIR/authorized_keys"
cat >"$DIR/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519
PidFile $DIR/sshd.pid
PasswordAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $DIR/authorized_keys
StrictModes no
AllowUsers $U
UsePAM yes
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
/usr/sbin/sshd -t -f "$DIR/sshd_config"
/usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$DIR/host_ed25519.pub")" >"$DIR/known_hosts"
cat <<ENV
export AMLGO_VM_HOST=127.0.0.1 AMLGO_VM_PORT=$PORT AMLGO_VM_USER=$U
export AMLGO_VM_KEY=$DIR/client_ed25519 AMLGO_VM_KNOWN_HOSTS=$DIR/known_hosts
ENV
