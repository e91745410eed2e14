/**
 * The projects the GCP test server knows. A project exists once a test registers it
 * (`PUT /__test/projects/{id}`): a call naming any other answers as GCP does for a project that
 * does not exist or that the caller cannot see.
 */
export class Projects {
  private readonly numbers = new Map<string, string>();

  /** Registers `project` (again: no change). */
  add(project: string): void {
    if (!this.numbers.has(project))
      this.numbers.set(project, String(100000000000 + this.numbers.size));
  }

  has(project: string): boolean {
    return this.numbers.has(project);
  }

  /** The project's number, as resources carry it (`projectNumber`). */
  numberOf(project: string): string {
    return this.numbers.get(project) ?? "0";
  }
}
