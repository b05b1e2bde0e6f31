import { describe, expect, it } from 'vitest'
import { SubsetJsonSchemaValidator } from '../../src/briefing/subset-validator.js'

describe('SubsetJsonSchemaValidator', () => {
  const validator = new SubsetJsonSchemaValidator()

  it('checks a flat elicitation-style schema and returns the input unchanged', () => {
    const check = validator.getValidator<{ name: string }>({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 }, n: { type: 'integer', default: 3 } },
      required: ['name'],
    })
    expect(check({ name: 'x' })).toEqual({
      valid: true,
      data: { name: 'x' },
      errorMessage: undefined,
    })
    expect(check({ name: '' })).toEqual({
      valid: false,
      data: undefined,
      errorMessage: 'argument "name" must be at least 1 characters',
    })
  })

  it('refuses every input for a schema outside the subset, saying why', () => {
    const check = validator.getValidator({
      type: 'object',
      properties: { e: { type: 'string', format: 'email' } },
    })
    expect(check({ e: 'a@b.c' })).toMatchObject({
      valid: false,
      errorMessage: expect.stringMatching(
        /^briefd cannot check this schema: schema.properties.e: has a keyword that is not supported for type string/,
      ),
    })
  })
})
