/**
 * @module The tool version, from package.json, recorded in every analysis and manifest.
 */
import pkg from '../../package.json' with { type: 'json' };

const TOOL_VERSION: string = pkg.version;

export { TOOL_VERSION };
