#!/bin/sh
# Print the path of a Python 3.12+ interpreter, or explain and fail. Tries python3.13,
# python3.12, python3, then pyenv's installed versions (pyenv shims can exist without working).
for candidate in python3.13 python3.12 python3 \
    "$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3" \
    $(ls -d "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3 2>/dev/null) \
    $(ls -d "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 2>/dev/null); do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "Alpha Code needs Python 3.12 or newer (Django 6.1). Install python3.13 (or 3.12) and retry." >&2
exit 1
