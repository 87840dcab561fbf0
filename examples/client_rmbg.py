"""Bria RMBG 2.0: cut a picture's background out ($0.018).

Usage: PIXAZO_API_KEY=... python examples/client_rmbg.py [IMAGE_URL] [OUT.png]
"""

import sys

from pixazo_client import PixazoClient

CAT = "https://storage.googleapis.com/generativeai-downloads/images/cat.jpg"
image_url = sys.argv[1] if len(sys.argv) > 1 else CAT
out = sys.argv[2] if len(sys.argv) > 2 else "cut-out.png"

with PixazoClient() as pixazo:  # key: $PIXAZO_API_KEY; gateway: $PIXAZO_BASE_URL or the live one
    job = pixazo.remove_background(image_url)
    done = pixazo.wait(job, timeout=120)
    print(done.status, pixazo.download(done, out))
