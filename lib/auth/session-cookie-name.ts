// The session cookie. __Secure- makes browsers accept it only over HTTPS, the only way the console is served.
export const SESSION_COOKIE = '__Secure-next-auth.session-token';
