/**
 * An IAM role's or instance profile's name from how a definition or an answer writes it: its ARN
 * (`arn:aws:iam::123456789012:role/service-role/batch`), `path/name` or the name alone. IAM
 * names are unique in an account whatever the path, so flavors compare roles by this name: APIs
 * answer the ARN of a role written by name. Anything but a string is given back as it is.
 */
export function iamNameOf(identifier: unknown): unknown {
  return typeof identifier === "string"
    ? identifier.slice(identifier.lastIndexOf("/") + 1)
    : identifier;
}
