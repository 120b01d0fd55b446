#!/usr/bin/env node
// The `ad` command. It is a committed file rather than dist/bin.js itself so that it exists when
// pnpm links the workspace's bins at install time, before the first build (which otherwise
// printed "Failed to create bin" on every fresh install).
import '../dist/bin.js';
