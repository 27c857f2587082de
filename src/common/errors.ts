import { HttpException, HttpStatus } from '@nestjs/common';

/** HTTP errors in the shape of API.md: {statusCode, error, message}, message naming the offending field. */
function make(status: HttpStatus, error: string) {
  return class extends HttpException {
    constructor(message: string) {
      super({ statusCode: status, error, message }, status);
    }
  };
}

export const BadInput = make(HttpStatus.BAD_REQUEST, 'Bad Request');
export const NotFound = make(HttpStatus.NOT_FOUND, 'Not Found');
export const Conflict = make(HttpStatus.CONFLICT, 'Conflict');
export const Unprocessable = make(HttpStatus.UNPROCESSABLE_ENTITY, 'Unprocessable Entity');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(v: string): boolean {
  return UUID.test(v);
}
