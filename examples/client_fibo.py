"""Bria FIBO: make a picture from a prompt ($0.04).

Usage: PIXAZO_API_KEY=... python examples/client_fibo.py [PROMPT] [OUT.png]
"""

import sys

from pixazo_client import PixazoClient

prompt = sys.argv[1] if len(sys.argv) > 1 else "A hot air balloon festival at sunrise"
out = sys.argv[2] if len(sys.argv) > 2 else "fibo.png"

with PixazoClient() as pixazo:  # key: $PIXAZO_API_KEY; gateway: $PIXAZO_BASE_URL or the live one
    job = pixazo.text_to_image(prompt, aspect_ratio="16:9", seed=5555)
    done = pixazo.wait(job, timeout=300)
    print(done.status, pixazo.download(done, out))
