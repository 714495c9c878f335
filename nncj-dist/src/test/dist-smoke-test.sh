#!/usr/bin/env bash
# The distribution as a new user gets it: unpacked into an empty folder, started from another folder,
# directly and through a symbolic link, with a HOME of its own, so neither the build tree nor the
# developer's home can help it. The zoo's model jars come from the local Maven repository the build
# itself filled (-Dmaven.repo.local), so the test needs no network.
# Usage: dist-smoke-test.sh ARCHIVE VERSION LOCAL_MAVEN_REPOSITORY WORK_FOLDER
set -euo pipefail
archive=$1 version=$2 repository=$3 work=$4
fail() { echo "distribution smoke test: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/unpacked" "$work/home" "$work/elsewhere" "$work/links"
tar -xzf "$archive" -C "$work/unpacked"
dist="$work/unpacked/nncj-$version"
[ -x "$dist/bin/nncj" ] || fail "bin/nncj is missing or not executable"
[ -f "$dist/bin/nncj.cmd" ] || fail "bin/nncj.cmd is missing"
[ -f "$dist/data/sst2/test.tsv" ] || fail "data/sst2/test.tsv is missing"
[ -f "$dist/README.md" ] || fail "README.md is missing"
ls "$dist/lib" | grep -q "^nncj-cli-$version.jar$" || fail "lib/ has no nncj-cli-$version.jar"
ls "$dist/lib" | grep -q "^onnxruntime-" || fail "lib/ has no ONNX Runtime"
ls "$dist/lib" | grep -q "^pytorch-native-cpu-" || fail "lib/ has no PyTorch natives"
if ls "$dist/lib" | grep -q "^langchain4j-"; then fail "a zoo model jar is in lib/"; fi
ln -s "$dist/bin/nncj" "$work/links/nncj"

cd "$work/elsewhere"
export HOME="$work/home"
unset XDG_CACHE_HOME
export NNCJ_JAVA_OPTS="-Xmx3g -Dmaven.repo.local=$repository"
version_line=$("$work/links/nncj" --version)
[[ $version_line == "nncj $version (Java "* ]] || fail "--version printed '$version_line', not nncj $version"
"$dist/bin/nncj" demo -q --runs 3 -o demo > demo.txt || fail "demo failed: $(cat demo.txt)"
grep -q "test.tsv, n = 872" demo.txt || fail "demo did not score the shipped SST-2 sentences: $(cat demo.txt)"
grep -q "^nncj quantize --mode int4-weight" demo.txt || fail "demo printed no int4-weight row: $(cat demo.txt)"
[ -f demo/all-minilm-l6-v2/model.onnx ] || fail "demo wrote no zoo model into its -o folder"
[ -d "$HOME/.cache/nncj" ] || fail "ONNX Runtime's natives were not cached under the fresh HOME: the JVM used another home"
echo "distribution smoke test: $archive unpacked, --version and demo run from another folder, HOME=$HOME"
