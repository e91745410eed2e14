// Reads, from a flavor's source file, what its TSDoc says: the class's summary and each schema
// field's comment, by the field's path in the resource block. Only the syntax is parsed (no type
// checking), so it takes milliseconds per file.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";

/** What a flavor's source says of it. */
export interface SourceDocs {
  /** The first paragraph of the class's TSDoc. */
  readonly summary: string | undefined;
  /** Each documented schema field's comment, by its dot path (`custom_config.Tags`). */
  readonly fields: ReadonlyMap<string, string>;
}

/** The zod calls whose object literal argument lists a block's fields. */
const OBJECT_CALLS = new Set(["object", "looseObject", "strictObject", "extend"]);

/** The TSDoc of the class `className` in `file`, and of the fields of the schema it declares. */
export function sourceDocsOf(file: string, className: string): SourceDocs {
  const declared = declarationsOf(file);
  const type = declared.classes.get(className);
  const fields = new Map<string, string>();
  const schemaName = type === undefined ? undefined : schemaIdentifierOf(type);
  if (schemaName !== undefined)
    collectFields(ts.factory.createIdentifier(schemaName), "", fields, declared, new Set());
  return { summary: type === undefined ? undefined : summaryOf(type), fields };
}

/** What one module declares at its top level, and where its relative imports come from. */
interface Declarations {
  readonly classes: ReadonlyMap<string, ts.ClassDeclaration>;
  readonly variables: ReadonlyMap<string, ts.Expression>;
  /** Imported name → the file it is imported from (relative imports only). */
  readonly imports: ReadonlyMap<string, string>;
}

const parsed = new Map<string, Declarations>();

function declarationsOf(file: string): Declarations {
  const known = parsed.get(file);
  if (known !== undefined) return known;
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.ES2023,
    true,
  );
  const classes = new Map<string, ts.ClassDeclaration>();
  const variables = new Map<string, ts.Expression>();
  const imports = new Map<string, string>();
  for (const statement of source.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith(".")
    ) {
      const from = resolve(dirname(file), statement.moduleSpecifier.text.replace(/\.js$/, ".ts"));
      const bindings = statement.importClause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings))
        for (const element of bindings.elements) imports.set(element.name.text, from);
    }
    if (ts.isClassDeclaration(statement) && statement.name !== undefined)
      classes.set(statement.name.text, statement);
    if (ts.isVariableStatement(statement))
      for (const declaration of statement.declarationList.declarations)
        if (ts.isIdentifier(declaration.name) && declaration.initializer !== undefined)
          variables.set(declaration.name.text, declaration.initializer);
  }
  const declarations = { classes, variables, imports };
  parsed.set(file, declarations);
  return declarations;
}

/** `static override readonly definitionSchema = s3BucketSchema;` → `s3BucketSchema`. */
function schemaIdentifierOf(type: ts.ClassDeclaration): string | undefined {
  for (const member of type.members)
    if (
      ts.isPropertyDeclaration(member) &&
      member.name.getText() === "definitionSchema" &&
      member.initializer !== undefined &&
      ts.isIdentifier(member.initializer)
    )
      return member.initializer.text;
  return undefined;
}

/**
 * Walks a schema expression: every object literal handed to a zod object call gives its
 * properties' comments under `prefix`; a property whose value is itself an object schema (or
 * names one declared in the file) is walked with its name added to the prefix.
 */
function collectFields(
  expression: ts.Node,
  prefix: string,
  fields: Map<string, string>,
  scope: Declarations,
  visiting: Set<string>,
): void {
  if (ts.isIdentifier(expression)) {
    const imported = scope.imports.get(expression.text);
    const home = imported === undefined ? scope : declarationsOf(imported);
    const declared = home.variables.get(expression.text);
    const key = `${imported ?? ""}#${expression.text}`;
    if (declared === undefined || visiting.has(key)) return;
    visiting.add(key);
    collectFields(declared, prefix, fields, home, visiting);
    visiting.delete(key);
    return;
  }
  if (ts.isCallExpression(expression)) {
    const callee = expression.expression;
    const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (ts.isPropertyAccessExpression(callee))
      collectFields(callee.expression, prefix, fields, scope, visiting);
    if (name !== undefined && OBJECT_CALLS.has(name))
      for (const argument of expression.arguments)
        if (ts.isObjectLiteralExpression(argument))
          collectProperties(argument, prefix, fields, scope, visiting);
    return;
  }
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression))
    collectFields(expression.expression, prefix, fields, scope, visiting);
}

function collectProperties(
  literal: ts.ObjectLiteralExpression,
  prefix: string,
  fields: Map<string, string>,
  scope: Declarations,
  visiting: Set<string>,
): void {
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property)) continue;
    const path = `${prefix}${property.name.getText().replace(/^["']|["']$/g, "")}`;
    const comment = commentOf(property);
    if (comment !== undefined) fields.set(path, comment);
    collectFields(property.initializer, `${path}.`, fields, scope, visiting);
  }
}

/** The text of a node's TSDoc, tags dropped, on one line. */
function commentOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? undefined : text;
}

/** The first paragraph of a class's TSDoc, on one line. */
function summaryOf(type: ts.ClassDeclaration): string | undefined {
  const doc = ts.getJSDocCommentsAndTags(type).filter(ts.isJSDoc)[0];
  const text = doc === undefined ? undefined : ts.getTextOfJSDocComment(doc.comment);
  const paragraph = text?.split(/\n\s*\n/)[0];
  return paragraph === undefined ? undefined : paragraph.replace(/\s+/g, " ").trim();
}
