#!/usr/bin/env node
/** Runs a CLI's main module in this process and prints its peak RSS on exit: `node peak-rss.mjs <main.js> args...`. */
import { pathToFileURL } from 'node:url';

const [node, , main, ...args] = process.argv;
process.argv = [node, main, ...args];
process.on('exit', () => process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(main).href);
