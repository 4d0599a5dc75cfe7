// The README inside every evidence bundle: how to check it by hand.
export const BUNDLE_README = `breakglass evidence bundle
==========================

manifest.json       what the session was and what its recording must be (signed)
manifest.json.sig   SSH signature of manifest.json (namespace breakglass-recording)
signing-key.pub     the broker's evidence public key; compare its fingerprint
                    (ssh-keygen -lf signing-key.pub) with the one your organisation
                    recorded from the broker's admin page or GET /api/evidence/key
allowed_signers     the same key, in the form ssh-keygen -Y verify wants
recording.jsonl     the exact recording: one JSON object per chunk, in order:
                    {"seq","atMs","kind","hash","data"}; data is base64 of the exact
                    bytes; hash = sha256(previous hash | seq u32be | atMs u32be | kind | data),
                    the previous hash of chunk 0 being 32 zero bytes
recording.cast      the same session as asciicast v2, for asciinema play; it cannot
                    carry bytes that are not UTF-8 (they become U+FFFD): the exact
                    bytes are in recording.jsonl

Check the signature by hand:
  ssh-keygen -Y verify -f allowed_signers -I breakglass -n breakglass-recording \\
    -s manifest.json.sig < manifest.json

Check everything (signature, every chunk hash, counts, first/last hash, bytes):
  npm run verify -- <this bundle>.tar      (in a checkout of breakglass)
`;
