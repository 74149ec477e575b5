import { constants as http2Constants } from "node:http2";

/** The RST_STREAM code that cancels a call (CANCEL, 0x8), used by clients and servers alike. */
export const http2CancelCode: number = http2Constants.NGHTTP2_CANCEL;
