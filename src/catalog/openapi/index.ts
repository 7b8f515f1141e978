/** OpenAPI import: a pure converter from an OpenAPI/Swagger document to a §4 import provider. */
export { convertOpenApi } from './convert.js';
export type {
  ConvertOptions,
  ImportAuth,
  ImportParameter,
  ImportProvider,
  ImportTool,
  OpenApiConversion,
  SkippedOperation,
} from './types.js';
