#!/usr/bin/env bash
# Builds the protobuf conformance test runner from Debian's `protobuf` source package, against the
# installed libprotobuf (same version: protoc, headers and library all come from Debian's archive).
# Idempotent: everything lives under test/conformance/protobuf/.build/ (gitignored); a second run with
# a runner present does nothing. Needs root for apt (deb-src entry, build tools). About a minute.
#
# Output: .build/conformance_test_runner, and .build/proto/ with conformance.proto and the
# test_messages_proto2/3.proto files of the same release (the testee is generated from them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/.build"
runner="$build/conformance_test_runner"
if [ -x "$runner" ] && [ -f "$build/proto/google/protobuf/test_messages_proto3.proto" ]; then
  echo "conformance setup: $runner already built"
  exit 0
fi

apt_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "conformance setup: need root for: apt-get $*" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

# Build tools and the library the runner links against.
need=()
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
[ -f /usr/include/google/protobuf/message.h ] || need+=(libprotobuf-dev)
updated=0
if [ "${#need[@]}" -gt 0 ]; then
  apt_root update -qq
  updated=1
  apt_root install -y -qq "${need[@]}" >/dev/null
fi

# A deb-src entry mirroring the binary sources, so that `apt-get source` finds the package.
sources=/etc/apt/sources.list.d/tristub-deb-src.sources
if ! grep -rqs "^Types: *deb-src" /etc/apt/sources.list.d/ && ! grep -qs "^deb-src" /etc/apt/sources.list; then
  [ "$(id -u)" -eq 0 ] || { echo "conformance setup: need root to add $sources" >&2; exit 1; }
  codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  cat >"$sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  updated=0
fi

# The source of the installed libprotobuf version.
version="$(dpkg-query -W -f='${Version}' libprotobuf-dev)"
upstream="${version%%-*}"
upstream="${upstream#*:}"
src="$build/src/protobuf-$upstream"
if [ ! -d "$src/conformance" ]; then
  [ "$updated" -eq 1 ] || apt_root update -qq
  mkdir -p "$build/src"
  (cd "$build/src" && apt-get source -qq "protobuf=$version" >/dev/null 2>&1 || apt-get source -qq protobuf >/dev/null)
fi
[ -d "$src/conformance" ] || { echo "conformance setup: $src/conformance missing after apt-get source" >&2; exit 1; }

# The protos the testee is generated from.
mkdir -p "$build/proto/google/protobuf"
cp "$src/conformance/conformance.proto" "$build/proto/"
cp "$src/src/google/protobuf/test_messages_proto2.proto" "$src/src/google/protobuf/test_messages_proto3.proto" "$build/proto/google/protobuf/"

# Generated C++ for the runner, compiled with the installed headers (not the source tree's).
gen="$build/gen"
objs="$build/obj"
mkdir -p "$gen" "$objs"
protoc -I "$src/conformance" -I "$src/src" --cpp_out="$gen" \
  "$src/conformance/conformance.proto" \
  "$src/src/google/protobuf/test_messages_proto2.proto" \
  "$src/src/google/protobuf/test_messages_proto3.proto"
sources_cc=(
  "$gen/conformance.pb.cc"
  "$gen/google/protobuf/test_messages_proto2.pb.cc"
  "$gen/google/protobuf/test_messages_proto3.pb.cc"
  "$src/conformance/conformance_test.cc"
  "$src/conformance/conformance_test_runner.cc"
  "$src/conformance/conformance_test_main.cc"
  "$src/conformance/binary_json_conformance_suite.cc"
  "$src/conformance/text_format_conformance_suite.cc"
  "$src/conformance/third_party/jsoncpp/jsoncpp.cpp"
)
echo "conformance setup: compiling ${#sources_cc[@]} files with $(g++ --version | head -1)"
obj_list=()
for cc in "${sources_cc[@]}"; do
  obj="$objs/$(basename "${cc%.*}").o"
  # Internal headers the installed package lacks (stubs/stringprintf.h …) come from the source tree,
  # searched after the installed ones so that both agree with the installed library.
  g++ -std=c++17 -O1 -w -I "$gen" -I "$src/conformance" -idirafter "$src/src" -c "$cc" -o "$obj"
  obj_list+=("$obj")
done
g++ -o "$runner.tmp" "${obj_list[@]}" -lprotobuf -lpthread
mv "$runner.tmp" "$runner"
echo "conformance setup: built $runner (protobuf $upstream)"
