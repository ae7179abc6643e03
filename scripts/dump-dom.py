#!/usr/bin/env python3
"""Print a page's live DOM from headless Chromium once it contains given strings.

`chromium --dump-dom` cannot wait for WebSocket-driven content: without --virtual-time-budget it
dumps at the load event, and virtual time waits for fetches but not for socket messages, so the
result is a race. This drives Chromium over the DevTools protocol on --remote-debugging-pipe
(Python standard library only), polls the DOM in real time until every --wait-for string is in
it (or --timeout passes), then prints document.documentElement.outerHTML.

--run JS steps act on the page the way an operator would (fill a form, press a button); steps run in
the order given, each --wait-for waiting until its text is in the DOM before the next step starts.

    python3 dump-dom.py [--wait-for TEXT | --run JS]... [--timeout SECONDS] [--screenshot PNG] [--chromium PATH] URL

Exit status: 0 when all strings appeared, 1 on timeout (the DOM is printed either way), 2 when
Chromium could not be driven.
"""
import argparse
import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time


class Pipe:
    """DevTools messages: JSON, NUL-terminated, written to Chromium's fd 3, read from its fd 4."""

    def __init__(self, write_fd, read_fd):
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b''
        self.next_id = 0

    def call(self, method, session=None, timeout=30, **params):
        self.next_id += 1
        message = {'id': self.next_id, 'method': method, 'params': params}
        if session:
            message['sessionId'] = session
        os.write(self.write_fd, json.dumps(message).encode() + b'\0')
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get('id') == self.next_id:  # anything else is an event: not needed here
                if 'error' in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply['result']

    def _read(self, deadline):
        while b'\0' not in self.buffer:
            ready, _, _ = select.select([self.read_fd], [], [], max(0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError('no answer from Chromium')
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise EOFError('Chromium closed the pipe')
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b'\0', 1)
        return json.loads(message)


def launch(chromium, profile_dir, width, height):
    to_chrome_read, to_chrome_write = os.pipe()
    from_chrome_read, from_chrome_write = os.pipe()

    def wire_fds():  # in the child: the pipe ends become fds 3 and 4, as Chromium expects
        # Move both ends above 4 first: either may itself be fd 3 or 4 when the parent left those
        # open, and a plain dup2 would then overwrite one end with the other.
        read_end = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 10)
        write_end = fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 10)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)
        # A parent that runs threads (a test runner, say) may have blocked signals; Chromium's own
        # process management needs them delivered.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])

    process = subprocess.Popen(
        [chromium, '--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe',
         f'--user-data-dir={profile_dir}', f'--window-size={width},{height}', 'about:blank'],
        preexec_fn=wire_fds, pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_read)
    os.close(from_chrome_write)
    return process, Pipe(to_chrome_write, from_chrome_read)


def screenshot(pipe, session, path):
    import base64
    data = pipe.call('Page.captureScreenshot', session=session, format='png')['data']
    with open(path, 'wb') as file:
        file.write(base64.b64decode(data))


def run_script(pipe, session, script):
    reply = pipe.call('Runtime.evaluate', session=session, expression=script)
    if 'exceptionDetails' in reply:
        raise RuntimeError(f"{script!r} threw: {reply['exceptionDetails'].get('exception', {}).get('description')}")


def current_html(pipe, session):
    # Empty while the page is still navigating (there is no document element yet).
    reply = pipe.call('Runtime.evaluate', session=session, returnByValue=True,
                      expression='document.documentElement.outerHTML')
    return reply['result'].get('value') or ''


def dump(pipe, url, steps, timeout, screenshot_path=None):
    """Runs the steps in order; returns the last DOM seen and whether every --wait-for text appeared."""
    targets = pipe.call('Target.getTargets')['targetInfos']
    page = next(t for t in targets if t['type'] == 'page')
    session = pipe.call('Target.attachToTarget', targetId=page['targetId'], flatten=True)['sessionId']
    pipe.call('Page.navigate', session=session, url=url)
    deadline = time.monotonic() + timeout
    found = True
    html = ''
    for kind, value in steps + [('wait', '')]:
        if kind == 'run':
            run_script(pipe, session, value)
            continue
        while True:
            html = current_html(pipe, session)
            if value in html:
                break
            if time.monotonic() >= deadline:
                print(f'dump_dom: timed out waiting for {value!r}', file=sys.stderr)
                found = False
                break
            time.sleep(0.1)
        if not found:
            break
    if screenshot_path:
        time.sleep(1)  # let the page's next render (at most 4 a second) and charts catch up
        screenshot(pipe, session, screenshot_path)
    return html, found


class Step(argparse.Action):
    """Keeps --wait-for and --run in one list, in command-line order."""

    def __call__(self, parser, namespace, value, option_string=None):
        namespace.steps = (namespace.steps or []) + [('wait' if option_string == '--wait-for' else 'run', value)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('url')
    parser.add_argument('--wait-for', action=Step, dest='steps', default=[], metavar='TEXT',
                        help='wait until the DOM contains TEXT (repeatable)')
    parser.add_argument('--run', action=Step, dest='steps', metavar='JS',
                        help='evaluate JS in the page, after the steps before it (repeatable)')
    parser.add_argument('--timeout', type=float, default=10.0, metavar='SECONDS')
    parser.add_argument('--chromium', default='chromium')
    parser.add_argument('--window-size', default='1400,900')
    parser.add_argument('--screenshot', metavar='PNG', help='also save a screenshot of the page then')
    args = parser.parse_args()
    width, height = args.window_size.split(',')

    with tempfile.TemporaryDirectory(prefix='dump-dom-') as profile_dir:
        process, pipe = launch(args.chromium, profile_dir, width, height)
        try:
            html, found = dump(pipe, args.url, args.steps, args.timeout, args.screenshot)
        except (RuntimeError, TimeoutError, EOFError, StopIteration) as err:
            print(f'dump_dom: {err!r}', file=sys.stderr)
            return 2
        finally:
            try:
                pipe.call('Browser.close', timeout=5)
            except Exception:
                process.kill()
            process.wait(timeout=10)
    sys.stdout.write('<!DOCTYPE html>\n' + html + '\n')
    return 0 if found else 1


if __name__ == '__main__':
    sys.exit(main())
