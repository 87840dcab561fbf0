"""Real-browser tests: Debian's chromium driven by Playwright (bench/browser.py).

Plain sync tests (sync Playwright must not run inside a running event loop), against the
`mock_gateway` fixture's server, which runs in a thread of its own on 127.0.0.1.
"""
