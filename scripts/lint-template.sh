#!/usr/bin/env bash
# Lints the SAM template with cfn-lint and `sam validate --lint`, from the project's own venv (.venv-test).
# No AWS account is needed: the region and the dummy credentials below only satisfy the SAM CLI's client setup.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${TEST_VENV:-.venv-test}
TEMPLATE=infra/template.yaml

for tool in cfn-lint sam; do
  if [ ! -x "$VENV/bin/$tool" ]; then
    echo "error: $VENV/bin/$tool is missing; run scripts/install-test-services.sh first" >&2
    exit 1
  fi
done

"$VENV/bin/cfn-lint" "$TEMPLATE"

AWS_DEFAULT_REGION=eu-west-1 AWS_REGION=eu-west-1 \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  SAM_CLI_TELEMETRY=0 \
  "$VENV/bin/sam" validate --lint --template-file "$TEMPLATE"

echo "template lint: ok"
