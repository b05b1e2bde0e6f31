/**
 * @module mcp/subset-validator
 * The SDK `Server` validates elicitation answers with a JSON Schema validator, and builds an
 * Ajv instance for that by default (~5 ms of start-up, with format plug-ins). briefd's server
 * never asks the client anything, and MCP elicitation schemas are flat objects of primitives,
 * which is exactly the subset tool schemas use here: this validator checks them with the same
 * code as tool arguments, and refuses (never passes) a schema outside the subset.
 */
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation/types.js'
import { checkArguments, parseInputSchema, type InputSchema } from './input-schema.js'

export class SubsetJsonSchemaValidator implements jsonSchemaValidator {
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    let parsed: InputSchema
    try {
      parsed = parseInputSchema(schema, 'schema')
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      return () => ({
        valid: false,
        data: undefined,
        errorMessage: `briefd cannot check this schema: ${why}`,
      })
    }
    return (input: unknown) => {
      const r = checkArguments(parsed, input)
      return r.ok
        ? { valid: true, data: input as T, errorMessage: undefined }
        : { valid: false, data: undefined, errorMessage: r.message }
    }
  }
}
