/** swagger2openapi ships no types; only the one call the loader makes is declared. */
declare module 'swagger2openapi' {
  interface ConvertOptions {
    patch?: boolean;
    warnOnly?: boolean;
    direct?: boolean;
    resolve?: boolean;
  }
  export function convertObj(swagger: object, options: ConvertOptions): Promise<unknown>;
}
