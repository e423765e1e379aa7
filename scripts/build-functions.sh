#!/usr/bin/env bash
# Builds the Lambda functions as `sam deploy` ships them: `sam build` runs cargo lambda (an arm64 cross-build
# linked by zig, both from PyPI) once per function of infra/template.yaml, leaving one `bootstrap` each under
# .aws-sam/build/<LogicalId>/; then checks every one it built is an arm64 (aarch64) Linux executable.
#   scripts/build-functions.sh              every function (what a deploy needs; about 30 minutes on 2 cores)
#   scripts/build-functions.sh Id Id ...    only these functions by logical id (CI builds one of each kind)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-services.sh
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
export PATH="$PWD/.venv-test/bin:$PATH"   # sam, cargo-lambda, zig

if [ "$#" -eq 0 ]; then
  set -- $(.venv-test/bin/python - <<'PY'
import re
text = open("infra/template.yaml").read()
print(" ".join(re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function", text, re.M)))
PY
)
fi

for id in "$@"; do
  echo "== sam build $id"
  started=$(date +%s)
  sam build --config-env dev "$id"
  bootstrap=".aws-sam/build/$id/bootstrap"
  [ -x "$bootstrap" ] || { echo "$id: no executable $bootstrap" >&2; exit 1; }
  # ELF, 64-bit, little-endian, e_machine 0xB7 (AArch64) at offset 18.
  machine=$(od -An -tx1 -j18 -N2 "$bootstrap" | tr -d ' \n')
  [ "$(head -c4 "$bootstrap" | od -An -c | tr -d ' \n')" = "177ELF" ] && [ "$machine" = "b700" ] || {
    echo "$id: $bootstrap is not an aarch64 ELF executable (e_machine $machine)" >&2; exit 1; }
  echo "   $id: $(stat -c %s "$bootstrap") bytes, aarch64, built in $(( $(date +%s) - started )) s"
done
