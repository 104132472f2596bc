// Types of scripts/build.mjs, plain JavaScript so that it runs before anything is compiled.
export declare const BUNDLE: string
export declare const bundleIsFresh: (checkout?: string) => boolean
export declare const buildBundle: (outfile?: string) => Promise<void>
