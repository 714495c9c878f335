# Re-keys t2e's journal header from the teacher file's SHA-256 to the teacher model's digest
# (ModelDigest, since adde752), all else as committed. Usage: rekey.py COMMITTED_JOURNAL DIGEST OUT
import json, sys
src, digest, out = sys.argv[1:4]
lines = open(src).read().splitlines(keepends=True)
header = json.loads(lines[0])
fp = header["fingerprint"]
old = fp.pop("teacher_sha256")
header["fingerprint"] = {"teacher_model_sha256": digest, **fp}
with open(out, "x") as f:
    f.write(json.dumps(header, separators=(",", ":")) + "\n")
    f.writelines(lines[1:])
print("teacher_sha256", old, "-> teacher_model_sha256", digest, ";", len(lines) - 1, "entries kept")
