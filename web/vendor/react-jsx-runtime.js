// "react/jsx-runtime" over the UMD React (see react.js): what compiled JSX
// (@tanstack/react-query's build) calls. jsx(type, props, key) with the
// children inside props is createElement with a key.
import React from './react.js';

export const Fragment = React.Fragment;
export function jsx(type, props, key) {
  return React.createElement(type, key === undefined ? props : { ...props, key });
}
export const jsxs = jsx;
