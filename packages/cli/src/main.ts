#!/usr/bin/env node
import { describeFatal, EXIT_FATAL } from './errors';
import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`nextbuy: ${describeFatal(error)}\n`);
    process.exitCode = EXIT_FATAL;
  });
