/**
 * The shapes an OpenAPI conversion produces: a provider in the §4 import-file format (what
 * `toolwire import` and `POST /admin/import` take), plus what the user must know before using it.
 */
import type { HttpMethod, JsonSchema, ParameterLocation, ParameterType, Provider, ToolMode } from '../../core/model.js';

export interface ImportParameter {
  name: string;
  type: ParameterType;
  description: string | null;
  required: boolean;
  /** As HandsAI stores defaults: a string, JSON-encoded when the schema default is not a string. */
  defaultValue: string | null;
  location: ParameterLocation;
  enum: Array<string | number | boolean> | null;
  /** The parameter's whole JSON Schema (draft-07 subset any ajv compiles); null when it has none. */
  schema: JsonSchema | null;
  /** Set when a name clash renamed the argument: the name the API expects. */
  apiName?: string;
}

export interface ImportTool {
  name: string;
  code: string;
  description: string | null;
  endpointPath: string;
  httpMethod: HttpMethod;
  bodyPayloadTemplate: null;
  enabled: true;
  isExportable: true;
  parameters: ImportParameter[];
  /** Always `type: "object"` at the root (MCP requires it), or null. */
  outputSchema: JsonSchema | null;
}

/** The credential-related provider fields, filled from the document's security schemes. */
export type ImportAuth = Pick<
  Provider,
  | 'authenticationType'
  | 'apiKeyLocation'
  | 'apiKeyName'
  | 'apiKeyValue'
  | 'customHeaders'
  | 'isDynamicAuth'
  | 'dynamicAuthUrl'
  | 'dynamicAuthMethod'
  | 'dynamicAuthPayload'
  | 'dynamicAuthPayloadType'
  | 'dynamicAuthPayloadLocation'
  | 'dynamicAuthTokenExtractionPath'
  | 'dynamicAuthInvalidationKeywords'
>;

export interface ImportProvider extends ImportAuth {
  name: string;
  code: string;
  baseUrl: string;
  toolMode: ToolMode;
  tools: ImportTool[];
}

export interface SkippedOperation {
  /** `METHOD /path`, as written in the document. */
  operation: string;
  /**
   * Set when only this parameter was left out (a header an argument may never set, such as `Host`):
   * the operation itself was imported, without it.
   */
  parameter?: string;
  /** One line, meant for the user. */
  reason: string;
}

export interface OpenApiConversion {
  provider: ImportProvider;
  skipped: SkippedOperation[];
  /** Provider fields still holding the `<YOUR_API_KEY>` placeholder (`toolwire provider update`). */
  credentialsToFill: string[];
  /** The document names no absolute server: `provider.baseUrl` is the stand-in of a base URL to set, keeping this path prefix. */
  baseUrlToSet: { pathPrefix: string } | null;
  warnings: string[];
}

/** `| undefined` everywhere so a CLI can pass its parsed flags through as they are. */
export interface ConvertOptions {
  providerCode?: string | undefined;
  baseUrl?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  toolMode?: ToolMode | undefined;
  /** Called with 0 once the operations are counted, after every 100 converted, and at the end. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}
