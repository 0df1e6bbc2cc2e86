#!/usr/bin/env bash
# The system packages the tests need (TeX for the paper, poppler for reading it back, Fashion-MNIST for the second
# dataset's smoke sweep, three small icon themes for the colour dataset builder's test on real packages), by their
# Debian names.
# Installs them with apt-get when it can (as root, or through passwordless sudo); otherwise stops at once with
# one line naming them. Used by `make test` (and so by .ci/run) and `make paper`.
set -euo pipefail
PACKAGES="latexmk texlive-latex-recommended texlive-latex-extra texlive-publishers texlive-fonts-recommended poppler-utils
  dataset-fashion-mnist gnome-icon-theme adwaita-icon-theme tango-icon-theme"
ICON_SUBSET="gnome-icon-theme adwaita-icon-theme tango-icon-theme"   # tests/test_icon_dataset.py's train, val, test
FASHION_MNIST=/usr/share/datasets/fashion-mnist  # where cgan_study.data looks for --data fashion_mnist

missing() {  # prints what is missing, nothing when all is there
  local c f
  for c in latexmk pdflatex kpsewhich pdfinfo pdftoppm; do
    command -v "$c" >/dev/null 2>&1 || { echo "$c"; return; }
  done
  for f in IEEEtran.cls IEEEtran.bst adjustbox.sty booktabs.sty amssymb.sty; do  # what paper/main.tex uses
    [ -n "$(kpsewhich "$f")" ] || { echo "$f"; return; }
  done
  [ -f "$FASHION_MNIST/train-images-idx3-ubyte.gz" ] || { echo "$FASHION_MNIST"; return; }
  for f in $ICON_SUBSET; do
    [ -d "/usr/share/doc/$f" ] || { echo "$f"; return; }
  done
}

m=$(missing)
[ -z "$m" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "error: the tests need TeX, poppler, Fashion-MNIST and three icon themes ($m is missing) and apt-get cannot be run here; install them:" \
       "apt-get install $PACKAGES (or your system's equivalents)" >&2
  exit 1
fi
echo "installing system packages for the tests ($m is missing): $PACKAGES"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
m=$(missing)
if [ -n "$m" ]; then
  echo "error: $m is still missing after installing $PACKAGES" >&2
  exit 1
fi
