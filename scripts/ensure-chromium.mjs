// Makes sure the browser test suite has a Chromium to drive (Debian's `chromium` package at
// /usr/bin/chromium, or AD_CHROMIUM). The root `test` script runs this before jest. Where it is
// missing and we are root on a Debian-like system, it installs it with apt-get; otherwise it
// fails, saying how to install it. It never lets the browser tests be skipped.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.AD_CHROMIUM ?? '/usr/bin/chromium';

if (!existsSync(chromium)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    process.stderr.write(`ensure-chromium: ${chromium} is missing; installing Debian's chromium (apt-get install -y chromium)\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  }
  if (!existsSync(chromium)) {
    process.stderr.write(
      `ensure-chromium: the browser tests need Chromium at ${chromium}. Install it ` +
        '(Debian/Ubuntu: `sudo apt-get install -y chromium`) or point AD_CHROMIUM at a Chromium binary.\n',
    );
    process.exit(1);
  }
}
