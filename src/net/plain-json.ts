// Which schemas encode a value to itself. Schema.encodeSync walks every field of a message to
// rebuild an identical object when no field is transformed; for such schemas JSON.stringify of
// the value is its encoding, at a fraction of the cost. Decided from the schema's AST at load
// time, so a field that later gains a transformation (a bigint ring position, say) moves its
// message back to the Schema encoder without anyone having to remember this file.
import type { SchemaAST } from "effect"

/** Whether every value of `ast` is plain JSON data that its schema encodes unchanged. */
export const encodesToItself = (ast: SchemaAST.AST, visiting: Set<SchemaAST.AST> = new Set()): boolean => {
  if (ast.encoding !== undefined) return false
  if (visiting.has(ast)) return true // a recursive schema: the rest of the walk decides
  visiting.add(ast)
  try {
    switch (ast._tag) {
      case "String":
      case "Number":
      case "Boolean":
      case "Null":
        return true
      case "Literal":
        return typeof ast.literal !== "bigint"
      case "Arrays":
        return [...ast.elements, ...ast.rest].every((element) => encodesToItself(element, visiting))
      case "Objects":
        return ast.propertySignatures.every((property) => typeof property.name === "string" && encodesToItself(property.type, visiting)) &&
          ast.indexSignatures.every((index) => encodesToItself(index.parameter, visiting) && encodesToItself(index.type, visiting))
      case "Union":
        return ast.types.every((member) => encodesToItself(member, visiting))
      case "Suspend":
        return encodesToItself(ast.thunk(), visiting)
      default:
        // Declarations (classes, Date, bigint...), symbols, undefined: not plain JSON.
        return false
    }
  } finally {
    visiting.delete(ast)
  }
}

/**
 * An encoder to JSON text for a schema with AST `ast` and Schema encoder `encode`:
 * JSON.stringify alone when the schema encodes values to themselves.
 */
export const jsonEncoder = <A>(ast: SchemaAST.AST, encode: (value: A) => unknown): ((value: A) => string) =>
  encodesToItself(ast) ? (value) => JSON.stringify(value) : (value) => JSON.stringify(encode(value))

/** The literal `_tag` of a tagged struct's AST, if it has one. */
export const tagOf = (ast: SchemaAST.AST): string | undefined => {
  if (ast._tag !== "Objects") return undefined
  const tag = ast.propertySignatures.find((property) => property.name === "_tag")?.type
  return tag?._tag === "Literal" && typeof tag.literal === "string" ? tag.literal : undefined
}
