import * as z from "zod";

/** An IAM path: `/`, or segments between slashes (`/team/app/`), up to 512 characters. */
export const iamPathSchema = z
  .string()
  .max(512)
  .regex(/^\/(?:[\u0021-\u007e]+\/)?$/, "expected a path that starts and ends with /, like /team/");
