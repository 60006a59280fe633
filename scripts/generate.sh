#!/usr/bin/env bash
# Regenerates src/gen from proto/: TypeScript (ts-proto, through buf.gen.yaml)
# and the file descriptor sets that server reflection serves. CI runs this and
# fails when the result differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
npx buf generate
mkdir -p src/gen/descriptors
npx buf build --exclude-source-info --as-file-descriptor-set -o src/gen/descriptors/booking.json
npx buf build node_modules/grpc-health-check/proto --exclude-source-info --as-file-descriptor-set -o src/gen/descriptors/health.json
