/** GitHub's error body: `{ message, errors?, documentation_url, status }`. */
export const DOCS_URL = "https://docs.github.com/rest";

export interface FieldError {
  resource?: string;
  field?: string;
  code: string;
  message?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: DOCS_URL,
      status: String(this.status),
    };
  }
}

export const notFound = (): HttpError => new HttpError(404, "Not Found");

/** 422 "Validation Failed" with one custom error, the shape GitHub uses for most business rules. */
export function validationFailed(resource: string, message: string, field?: string): HttpError {
  return new HttpError(422, "Validation Failed", [
    { resource, code: "custom", ...(field ? { field } : {}), message },
  ]);
}
