// React 18 as an ES module for pages without a bundler: React 18 ships no
// ES build, so the page loads its UMD file (which sets window.React) with a
// classic <script> before any module, and its import map points "react"
// here. Named exports are React 18.3's own.
const React = globalThis.React;
if (!React) throw new Error('react.js: load vendor/react/react.production.min.js with a <script> first');
export default React;
export const {
  Children, Component, Fragment, Profiler, PureComponent, StrictMode, Suspense,
  cloneElement, createContext, createElement, createFactory, createRef, forwardRef, isValidElement, lazy, memo,
  startTransition, useCallback, useContext, useDebugValue, useDeferredValue, useEffect, useId,
  useImperativeHandle, useInsertionEffect, useLayoutEffect, useMemo, useReducer, useRef, useState,
  useSyncExternalStore, useTransition, version,
} = React;
