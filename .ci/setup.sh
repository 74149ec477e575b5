#!/usr/bin/env bash
# Installs the system tools the test suites use, from Debian's archive (idempotent; needs root).
#   protoc (protobuf-compiler): the plugin test runs tristub as a real protoc plugin.
#   curl: Triple-unary tests call the server the way users do from a shell.
#   openssl: TLS tests generate throwaway certificates at test time.
#   python3-grpcio: gRPC C-core's Python client calls the health service (test/health-reflection/grpcio.test.ts).
#   nginx: test/e2e/nginx-grpc-pass.test.ts runs calls through a real grpc_pass proxy (its own config, not the service).
set -euo pipefail
missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
/usr/bin/python3 -c "import grpc" >/dev/null 2>&1 || missing+=(python3-grpcio)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: protoc $(protoc --version | cut -d' ' -f2), $(curl --version | head -1 | cut -d' ' -f1-2), $(openssl version | cut -d' ' -f1-2), $(PATH="$PATH:/usr/sbin" nginx -v 2>&1 | cut -d' ' -f3)"
