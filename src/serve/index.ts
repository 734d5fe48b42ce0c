export { createAsrServer, type AsrServer, type AsrServerOptions } from './server.js';
export { parseMultipart, multipartBoundary, type FormPart } from './multipart.js';
