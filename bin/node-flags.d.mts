// Types of bin/node-flags.mjs, plain JavaScript so that the entry point runs before anything is compiled.
export declare const RUNTIME_FLAGS: string
export declare const HEAP_FLAGS: ReadonlyArray<string>
export declare const RESTARTED_ENV: string
export declare const restartArgs: (
  execPath: string,
  execArgv: ReadonlyArray<string>,
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
) => ReadonlyArray<string> | undefined
